"""One client authentication method per request (RFC 6749 section 2.3), through the whole
app: each client is remembered first, so the fast lane would answer if it did not hand
these requests to the route."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey

from tests.factories.idp import client_assertion, make_account, make_client
from tests.idp.flows import authorization_request, authorize_code, redeem

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_CREDENTIALS = {"grant_type": "client_credentials"}


def _remembered_service_client(components, portal, **fields):
    """A client-credentials client whose token the fast lane can answer (asked twice: the
    route remembers the client and its service grant)."""
    client, secret = make_client(
        components, grant_types=["client_credentials"], redirect_uris=[], scope="openid", **fields
    )
    posted = {"client_id": client.client_id, "client_secret": secret}
    for _ in range(2):
        if fields.get("auth_method") == "client_secret_post":
            answer = portal.post("/token", data={**CLIENT_CREDENTIALS, **posted})
        else:
            answer = portal.post("/token", data=CLIENT_CREDENTIALS, auth=(client.client_id, secret))
        assert answer.status_code == 200, answer.text
    return client, secret


def _assert_two_methods_refused(response, first, second):
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert first in response.json()["error_description"]
    assert second in response.json()["error_description"]


def test_wrong_basic_credentials_beside_right_post_credentials_are_invalid_request(
    components, portal
):
    client, secret = _remembered_service_client(
        components, portal, auth_method="client_secret_post"
    )
    response = portal.post(
        "/token",
        data={**CLIENT_CREDENTIALS, "client_id": client.client_id, "client_secret": secret},
        auth=(client.client_id, "wrong-secret"),
    )
    _assert_two_methods_refused(response, "client_secret_basic", "client_secret_post")


def test_basic_credentials_beside_a_client_assertion_are_invalid_request(components, portal):
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    client, _ = make_client(
        components,
        grant_types=["client_credentials"],
        redirect_uris=[],
        scope="openid",
        auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    assertion = client_assertion(key, client.client_id, "https://testserver/token")
    response = portal.post(
        "/token",
        data={
            **CLIENT_CREDENTIALS,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
        auth=(client.client_id, "anything"),
    )
    _assert_two_methods_refused(response, "client_secret_basic", "private_key_jwt")


def test_two_methods_at_introspection_are_invalid_request(components, portal):
    client, secret = _remembered_service_client(components, portal)
    token = portal.post("/token", data=CLIENT_CREDENTIALS, auth=(client.client_id, secret)).json()[
        "access_token"
    ]
    response = portal.post(
        "/introspect",
        data={"token": token, "client_id": client.client_id, "client_secret": secret},
        auth=(client.client_id, secret),
    )
    _assert_two_methods_refused(response, "client_secret_basic", "client_secret_post")


def test_public_client_sending_basic_credentials_is_invalid_client_with_a_challenge(
    components, browser, portal
):
    account = make_account(components)
    client, _ = make_client(components, auth_method="none")
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, request.verifier, client.client_id, "any-password")
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")


def test_body_client_id_of_another_client_beside_basic_is_invalid_request(components, portal):
    client, secret = _remembered_service_client(components, portal)
    other, _ = make_client(components)
    response = portal.post(
        "/token",
        data={**CLIENT_CREDENTIALS, "client_id": other.client_id},
        auth=(client.client_id, secret),
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"
    assert "client_id" in response.json()["error_description"]


def test_body_client_id_of_the_basic_client_is_accepted(components, portal):
    client, secret = _remembered_service_client(components, portal)
    response = portal.post(
        "/token",
        data={**CLIENT_CREDENTIALS, "client_id": client.client_id},
        auth=(client.client_id, secret),
    )
    assert response.status_code == 200, response.text


def test_every_failed_client_authentication_gets_one_basic_challenge_with_a_realm(
    components, portal
):
    client, _ = make_client(components)
    wrong = (client.client_id, "wrong")
    refused = [
        portal.post("/token", data=CLIENT_CREDENTIALS, auth=wrong),
        portal.post("/token", data=CLIENT_CREDENTIALS, auth=("no-such-client", "x")),
        portal.post("/token", data={"grant_type": "refresh_token", "refresh_token": "x"}),
        portal.post("/introspect", data={"token": "x"}),
        portal.post("/revoke", data={"token": "x"}, auth=wrong),
        portal.post("/par", data={"response_type": "code"}, auth=wrong),
    ]
    for response in refused:
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "invalid_client"
        assert response.headers.get_list("www-authenticate") == ['Basic realm="passerelle"']


# An unknown client and a wrong credential get one answer (RFC 6749 section 5.2): the
# difference would tell who is registered, and helps no portal fix its request.
ENDPOINT_FORMS = {
    "/token": CLIENT_CREDENTIALS,
    "/introspect": {"token": "x"},
    "/revoke": {"token": "x"},
    "/par": {"response_type": "code", "redirect_uri": "https://portal.example/cb"},
}


def _answer(response):
    return response.status_code, response.json(), response.headers.get_list("www-authenticate")


@pytest.mark.parametrize("path", list(ENDPOINT_FORMS))
def test_an_unknown_client_and_a_wrong_secret_get_the_same_answer(components, portal, path):
    form = ENDPOINT_FORMS[path]
    basic, _ = _remembered_service_client(components, portal)  # the fast lane knows it
    posted, _ = make_client(components, auth_method="client_secret_post")
    public, _ = make_client(components, auth_method="none")
    answers = {
        "unknown, basic": portal.post(path, data=form, auth=("no-such-client", "x")),
        "wrong, basic": portal.post(path, data=form, auth=(basic.client_id, "wrong")),
        "unknown, post": portal.post(
            path, data={**form, "client_id": "no-such-client", "client_secret": "x"}
        ),
        "wrong, post": portal.post(
            path, data={**form, "client_id": posted.client_id, "client_secret": "wrong"}
        ),
        "unknown, none": portal.post(path, data={**form, "client_id": "no-such-client"}),
        "confidential, none": portal.post(path, data={**form, "client_id": basic.client_id}),
    }
    if path in ("/token", "/par"):  # a public client may authenticate with `none` there
        answers["public, wrong post"] = portal.post(
            path, data={**form, "client_id": public.client_id, "client_secret": "x"}
        )
    expected = (
        401,
        {"error": "invalid_client", "error_description": "client authentication failed"},
        ['Basic realm="passerelle"'],
    )
    answered = {name: _answer(response) for name, response in answers.items()}
    assert answered == dict.fromkeys(answers, expected)


@pytest.mark.parametrize("path", list(ENDPOINT_FORMS))
def test_an_assertion_for_an_unknown_client_and_a_wrongly_signed_one_get_the_same_answer(
    components, portal, path
):
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    other = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    client, _ = make_client(
        components,
        auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    audience = f"https://testserver{path}"

    def asserted(assertion):
        data = {**ENDPOINT_FORMS[path], "client_assertion_type": ASSERTION_TYPE}
        return _answer(portal.post(path, data={**data, "client_assertion": assertion}))

    unknown = asserted(client_assertion(key, "no-such-client", audience))
    wrongly_signed = asserted(client_assertion(other, client.client_id, audience))
    assert unknown == wrongly_signed
    assert unknown[0] == 401
    assert unknown[1]["error"] == "invalid_client"
