"""The authorization code flow end to end through the app, and each way it must refuse."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from idp.oauth.authorization_code import AuthorizationCodeGrant
from tests.factories.idp import REDIRECT_URI, make_account, make_client
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    query_of,
    redeem,
)


def _jwks(portal) -> KeySet:
    return KeySet.import_key_set(portal.get("/jwks").json())


def test_code_flow_returns_tokens_with_the_oidc_claims(components, browser, portal):
    account = make_account(components, locale="fr")
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    result = authorize_code(browser, request, account.email)
    assert result["state"] == request.params["state"]
    assert result["iss"] == "https://testserver"
    response = redeem(portal, result["code"], request.verifier, client.client_id, secret)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["refresh_token"]
    id_token = jwt.decode(body["id_token"], _jwks(portal), algorithms=["RS256"])
    claims = id_token.claims
    assert id_token.header["alg"] == "RS256"
    assert claims["sub"] == account.subject
    assert claims["aud"] == client.client_id
    assert claims["nonce"] == request.params["nonce"]
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "urn:passerelle:loa:1"
    assert claims["locale"] == "fr"
    assert claims["sid"]
    assert isinstance(claims["auth_time"], int)
    assert claims["email"] == account.email
    access = jwt.decode(body["access_token"], _jwks(portal), algorithms=["ES256"])
    assert access.header["typ"] == "at+jwt"
    assert access.header["alg"] == "ES256"
    for name in ("iss", "exp", "aud", "sub", "client_id", "iat", "jti", "scope"):
        assert name in access.claims
    from idp.oidc.id_token import at_hash

    assert claims["at_hash"] == at_hash(body["access_token"], "RS256")


def test_client_registered_for_es256_id_tokens_gets_them(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components, id_token_signed_response_alg="ES256")
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, secret).json()
    assert (
        jwt.decode(body["id_token"], _jwks(portal), algorithms=["ES256"]).header["alg"] == "ES256"
    )


def test_reused_code_is_refused_and_revokes_the_tokens_issued_from_it(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    first = redeem(portal, code, request.verifier, client.client_id, secret).json()
    second = redeem(portal, code, request.verifier, client.client_id, secret)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    introspection = portal.post(
        "/introspect", data={"token": first["access_token"]}, auth=(client.client_id, secret)
    )
    assert introspection.json() == {"active": False}
    refreshed = portal.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(client.client_id, secret),
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_unregistered_redirect_uri_shows_a_page_and_never_redirects(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, redirect_uri="https://attacker.example/cb")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "redirect" in response.text.lower()


def test_redirect_uri_is_matched_exactly_not_by_prefix(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, redirect_uri=REDIRECT_URI + "/../evil")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_unknown_client_shows_a_page(browser):
    request = authorization_request("no-such-client")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_redirect_uri_different_at_the_token_endpoint_is_invalid_grant(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(
        components, redirect_uris=[REDIRECT_URI, "https://portal.example/other"]
    )
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(
        portal,
        code,
        request.verifier,
        client.client_id,
        secret,
        redirect_uri="https://portal.example/other",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_redirect_uri_missing_at_the_token_endpoint_is_invalid_request_naming_it(
    components, browser, portal
):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, request.verifier, client.client_id, secret, redirect_uri="")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "missing 'redirect_uri'",
    }


def test_pkce_verifier_mismatch_is_invalid_grant_naming_the_verifier(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, "x" * 50, client.client_id, secret)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "'code_verifier'" in response.json()["error_description"]
    # A refused redemption used the code up: it does not come back for another try.
    retry = redeem(portal, code, request.verifier, client.client_id, secret)
    assert retry.status_code == 400
    assert retry.json()["error"] == "invalid_grant"


def test_missing_code_verifier_is_invalid_request(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, "", client.client_id, secret)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "code_verifier" in body["error_description"]


def test_missing_pkce_challenge_is_redirected_as_invalid_request(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, code_challenge="", code_challenge_method="")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 302
    result = query_of(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert "code_challenge" in result["error_description"]
    assert result["state"] == request.params["state"]
    assert result["iss"] == "https://testserver"


def test_plain_pkce_method_is_refused(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, code_challenge_method="plain")
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "invalid_request"
    assert "S256" in result["error_description"]


def test_unsupported_scope_is_redirected_as_invalid_scope_naming_it(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, scope="openid bogus")
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "invalid_scope"
    assert result["error_description"] == "'scope' value 'bogus' is not supported"
    assert result["state"] == request.params["state"]


def test_unsupported_response_type_is_redirected_with_its_error(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, response_type="token")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 302
    result = query_of(response.headers["location"])
    assert result["error"] == "unsupported_response_type"
    assert result["iss"] == "https://testserver"
    assert result["state"] == request.params["state"]


def test_unsupported_response_type_is_named_in_its_description(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, response_type="token")
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error_description"] == "response_type 'token' is not supported; use 'code'"


def test_missing_response_type_is_redirected_as_invalid_request(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id)
    del request.params["response_type"]
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 302
    result = query_of(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert result["error_description"] == "missing 'response_type'"
    assert result["state"] == request.params["state"]


def test_expired_code_is_invalid_grant(components, browser, portal, clock):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    clock.advance(components.settings.auth_code_ttl_seconds + 1)
    response = redeem(portal, code, request.verifier, client.client_id, secret)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_401_invalid_client_with_a_challenge(components, browser, portal):
    account = make_account(components)
    client, _ = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, request.verifier, client.client_id, "wrong-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_code_issued_to_one_client_cannot_be_redeemed_by_another(components, browser, portal):
    account = make_account(components)
    client, _ = make_client(components)
    other, other_secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, request.verifier, other.client_id, other_secret)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_public_client_redeems_with_pkce_only(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components, auth_method="none")
    assert secret is None
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, request.verifier, client.client_id, None)
    assert response.status_code == 200, response.text
    assert "id_token" in response.json()


def test_client_secret_post_authenticates(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components, auth_method="client_secret_post")
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = portal.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": request.verifier,
            "client_id": client.client_id,
            "client_secret": secret,
        },
    )
    assert response.status_code == 200, response.text


def test_client_secret_post_client_cannot_use_basic(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components, auth_method="client_secret_post")
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    response = redeem(portal, code, request.verifier, client.client_id, secret)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_repeated_parameter_is_invalid_request(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id)
    query = request.query + "&" + urlencode({"scope": "openid"})
    result = query_of(browser.get("/authorize?" + query).headers["location"])
    assert result["error"] == "invalid_request"
    assert "scope" in result["error_description"]


def test_repeated_client_id_shows_a_page(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id)
    response = browser.get("/authorize?" + request.query + "&client_id=other")
    assert response.status_code == 400
    assert "location" not in response.headers


def test_unsigned_request_object_shows_a_page_with_its_error(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, request="eyJhbGciOiJub25lIn0.e30.")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers  # the redirect URI inside it is unproven
    assert "invalid_request_object" in response.text


def test_login_hint_prefills_the_email(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, login_hint="amara@example.ca")
    login = browser.get(browser.get("/authorize?" + request.query).headers["location"])
    assert 'value="amara@example.ca"' in login.text


@pytest.mark.parametrize("failing", ["authenticate_user", "commit"])
def test_a_code_whose_redemption_the_database_failed_can_be_redeemed_once_it_is_back(
    components, browser, portal, monkeypatch, failing
):
    """The 503 `temporarily_unavailable` invites the portal to retry: the failed
    redemption committed nothing, so the code is put back (and still works only once)."""
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    calls = []

    def database_gone(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    target = {"authenticate_user": AuthorizationCodeGrant, "commit": Session}[failing]
    with monkeypatch.context() as patched:
        patched.setattr(target, failing, database_gone)
        down = redeem(portal, code, request.verifier, client.client_id, secret)
    assert calls
    assert down.status_code == 503
    assert down.json()["error"] == "temporarily_unavailable"
    back = redeem(portal, code, request.verifier, client.client_id, secret)
    assert back.status_code == 200, back.text
    again = redeem(portal, code, request.verifier, client.client_id, secret)
    assert again.json()["error"] == "invalid_grant"
