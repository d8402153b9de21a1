"""Discovery and JWKS: what is advertised exists, and no private key material leaks."""

from __future__ import annotations

import re
import secrets
import time
from html import unescape

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    client_key,
    csrf_of,
    query_of,
    redeem,
    request_object_claims,
    sign_request_object,
)

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def test_discovery_advertises_the_endpoints_under_the_issuer(portal):
    metadata = portal.get("/.well-known/openid-configuration").json()
    assert metadata["issuer"] == "https://testserver"
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        assert metadata[name].startswith("https://testserver/")
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert set(metadata["ui_locales_supported"]) == {"en", "fr"}
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }


def test_discovery_advertises_no_claims_locales_as_no_claim_is_localised(portal):
    """OIDC Discovery section 3: `claims_locales_supported` lists the languages claim values
    are returned in. Names, emails and addresses are the person's own, in no language."""
    metadata = portal.get("/.well-known/openid-configuration").json()
    assert "claims_locales_supported" not in metadata


def test_jwks_publishes_public_keys_with_kid_alg_and_use(portal):
    response = portal.get("/jwks")
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    keys = response.json()["keys"]
    assert {k["alg"] for k in keys} >= {"ES256", "RS256"}
    for key in keys:
        assert key["kid"]
        assert key["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(key)


# Truthfulness: every endpoint the document names answers, every feature it claims works --

# How each advertised endpoint is called with nothing useful: a GET-able page or JSON, or a
# POST endpoint that refuses an empty body with an OAuth error (never 404, never 5xx).
ENDPOINT_CALLS = {
    "authorization_endpoint": ("GET", {400}),
    "userinfo_endpoint": ("GET", {401}),
    "jwks_uri": ("GET", {200}),
    "end_session_endpoint": ("GET", {200}),
    "token_endpoint": ("POST", {400, 401}),
    "introspection_endpoint": ("POST", {400, 401}),
    "revocation_endpoint": ("POST", {400, 401}),
    "pushed_authorization_request_endpoint": ("POST", {400, 401}),
}


def _metadata(portal):
    return portal.get("/.well-known/openid-configuration").json()


def _path(url):
    assert url.startswith("https://testserver/"), url
    return url.removeprefix("https://testserver")


def test_every_endpoint_in_the_document_is_known_and_answers(portal):
    metadata = _metadata(portal)
    advertised = {k for k in metadata if k.endswith("_endpoint") or k == "jwks_uri"}
    assert advertised == set(ENDPOINT_CALLS)  # a new endpoint needs its row here
    for name, (method, statuses) in ENDPOINT_CALLS.items():
        response = portal.request(
            method, _path(metadata[name]), data={} if method == "POST" else None
        )
        assert response.status_code in statuses, (name, response.status_code, response.text[:200])


def test_authorization_server_metadata_is_the_same_document(portal):
    assert portal.get("/.well-known/oauth-authorization-server").json() == _metadata(portal)


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
def test_each_advertised_request_object_alg_is_accepted(components, browser, portal, clock):
    metadata = _metadata(portal)
    assert metadata["request_parameter_supported"] is True
    assert "none" not in metadata["request_object_signing_alg_values_supported"]
    for alg in metadata["request_object_signing_alg_values_supported"]:
        key, jwks = client_key(alg)
        client, _ = make_client(components, jwks=jwks)
        request = authorization_request(client.client_id, prompt="none")
        claims = request_object_claims(request, clock.now().timestamp())
        query = {"client_id": client.client_id, "request": sign_request_object(key, claims)}
        response = browser.get(_path(metadata["authorization_endpoint"]), params=query)
        assert response.status_code == 302, (alg, response.text[:200])
        assert query_of(response.headers["location"])["error"] == "login_required"


def test_pushed_requests_are_used_by_reference_and_not_required(components, browser, portal):
    metadata = _metadata(portal)
    assert metadata["request_uri_parameter_supported"] is False  # PAR's references only
    assert metadata["pushed_authorization_request_endpoint"] == "https://testserver/par"
    assert metadata["require_pushed_authorization_requests"] is False
    client, secret = make_client(components)
    request = authorization_request(client.client_id, prompt="none")
    pushed = portal.post(
        _path(metadata["pushed_authorization_request_endpoint"]),
        data=request.params,
        auth=(client.client_id, secret),
    )
    assert pushed.status_code == 201, pushed.text
    by_reference = {"client_id": client.client_id, "request_uri": pushed.json()["request_uri"]}
    authorize = _path(metadata["authorization_endpoint"])
    for params in (by_reference, request.params):  # by reference, and not only
        response = browser.get(authorize, params=params)
        assert query_of(response.headers["location"])["error"] == "login_required"


def test_each_advertised_prompt_response_mode_and_ui_locale_is_accepted(
    components, browser, portal
):
    metadata = _metadata(portal)
    client, _ = make_client(components)
    authorize = _path(metadata["authorization_endpoint"])
    for prompt in metadata["prompt_values_supported"]:
        params = authorization_request(client.client_id, prompt=prompt).params
        response = browser.get(authorize, params=params)
        location = response.headers["location"]
        assert location.startswith("/login") or query_of(location)["error"] == "login_required"
    for mode in metadata["response_modes_supported"]:
        params = authorization_request(client.client_id, response_mode=mode).params
        assert browser.get(authorize, params=params).headers["location"].startswith("/login")
    for locale in metadata["ui_locales_supported"]:
        params = authorization_request(client.client_id, ui_locales=locale).params
        login = browser.get(browser.get(authorize, params=params).headers["location"])
        assert f'<html lang="{locale}">' in login.text


def test_a_client_can_register_every_advertised_scope_and_grant_type(components, portal):
    metadata = _metadata(portal)
    client, _ = make_client(
        components,
        scope=" ".join(metadata["scopes_supported"]),
        grant_types=metadata["grant_types_supported"],
    )
    assert set(client.scope.split()) == set(metadata["scopes_supported"])


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
def test_each_advertised_client_assertion_alg_authenticates(components, portal):
    metadata = _metadata(portal)
    assert "private_key_jwt" in metadata["token_endpoint_auth_methods_supported"]
    for alg in metadata["token_endpoint_auth_signing_alg_values_supported"]:
        key, jwks = client_key(alg)
        client, _ = make_client(
            components,
            auth_method="private_key_jwt",
            jwks=jwks,
            grant_types=["client_credentials"],
            redirect_uris=[],
            scope="openid",
        )
        now = int(time.time())
        assertion = jwt.encode(
            {"alg": alg, "kid": key.kid},
            {
                "iss": client.client_id,
                "sub": client.client_id,
                "aud": metadata["token_endpoint"],
                "exp": now + 60,
                "jti": secrets.token_urlsafe(8),
            },
            key,
            algorithms=[alg],
        )
        response = portal.post(
            _path(metadata["token_endpoint"]),
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            },
        )
        assert response.status_code == 200, (alg, response.text)


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
def test_each_advertised_assertion_alg_authenticates_at_introspection_and_revocation(
    components, portal
):
    metadata = _metadata(portal)
    for endpoint in ("introspection_endpoint", "revocation_endpoint"):
        assert "private_key_jwt" in metadata[f"{endpoint}_auth_methods_supported"]
        for alg in metadata[f"{endpoint}_auth_signing_alg_values_supported"]:
            key, jwks = client_key(alg)
            client, _ = make_client(components, auth_method="private_key_jwt", jwks=jwks)
            now = int(time.time())
            claims = {
                "iss": client.client_id,
                "sub": client.client_id,
                "aud": metadata["issuer"],
                "exp": now + 60,
                "jti": secrets.token_urlsafe(8),
            }
            assertion = jwt.encode({"alg": alg, "kid": key.kid}, claims, key, algorithms=[alg])
            response = portal.post(
                _path(metadata[endpoint]),
                data={
                    "token": "unknown",
                    "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": assertion,
                },
            )
            assert response.status_code == 200, (endpoint, alg, response.text)


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
def test_each_advertised_id_token_alg_signs_id_tokens(components, browser, portal):
    metadata = _metadata(portal)
    account = make_account(components)
    keys = KeySet.import_key_set(portal.get(_path(metadata["jwks_uri"])).json())
    for alg in metadata["id_token_signing_alg_values_supported"]:
        client, secret = make_client(components, id_token_signed_response_alg=alg)
        request = authorization_request(client.client_id)
        code = authorize_code(browser, request, account.email)["code"]
        body = redeem(portal, code, request.verifier, client.client_id, secret).json()
        assert jwt.decode(body["id_token"], keys, algorithms=[alg]).header["alg"] == alg
        access = jwt.decode(body["access_token"], keys)
        assert access.header["alg"] in metadata["access_token_signing_alg_values_supported"]


def test_front_channel_logout_frames_carry_iss_and_sid(components, browser, portal):
    metadata = _metadata(portal)
    assert metadata["frontchannel_logout_supported"] is True
    assert metadata["frontchannel_logout_session_supported"] is True
    account = make_account(components)
    client, _ = make_client(
        components,
        frontchannel_logout_uri="https://portal.example/fc",
        frontchannel_logout_session_required=True,
    )
    authorize_code(browser, authorization_request(client.client_id), account.email)
    page = browser.get(_path(metadata["end_session_endpoint"]))
    signed_out = browser.post(
        _path(metadata["end_session_endpoint"]), data={"csrf_token": csrf_of(page)}
    )
    frame = re.search(r'<iframe[^>]*\ssrc="([^"]+)"', signed_out.text)
    assert frame is not None, signed_out.text[:500]
    assert set(query_of(unescape(frame.group(1)))) == {"iss", "sid"}
