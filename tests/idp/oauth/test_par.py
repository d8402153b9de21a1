"""Pushed Authorization Requests (RFC 9126): the endpoint, and /authorize by reference."""

from __future__ import annotations

import secrets
import time

from joserfc import jwt
from joserfc.jwk import KeySet

from idp.oauth.par import PUSHED_REQUEST_TTL_SECONDS, REQUEST_URI_PREFIX
from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    by_reference,
    client_key,
    push,
    query_of,
    redeem,
)


def _pushed(portal, client, secret, **overrides):
    request = authorization_request(client.client_id, **overrides)
    response = push(portal, request.params, auth=(client.client_id, secret) if secret else None)
    assert response.status_code == 201, response.text
    return request, response.json()["request_uri"]


def _published_keys(portal):
    return KeySet.import_key_set(portal.get("/jwks").json())


def _refusal_page(browser, client_id, request_uri, **extra):
    query = {"client_id": client_id, "request_uri": request_uri, **extra}
    response = browser.get("/authorize", params=query)
    assert response.status_code == 400, response.text[:300]
    assert "location" not in response.headers
    return response.text


def test_pushed_request_is_answered_201_with_a_request_uri_and_its_lifetime(components, portal):
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    response = push(portal, request.params, auth=(client.client_id, secret))
    assert response.status_code == 201
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["request_uri"].startswith(REQUEST_URI_PREFIX)
    assert body["expires_in"] == PUSHED_REQUEST_TTL_SECONDS == 60


def test_authorization_by_reference_uses_the_pushed_parameters(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request, request_uri = _pushed(portal, client, secret)
    result = authorize_code(
        browser, by_reference(client.client_id, request_uri, request.verifier), account.email
    )
    assert result["state"] == request.params["state"]
    assert result["iss"] == "https://testserver"
    tokens = redeem(portal, result["code"], request.verifier, client.client_id, secret)
    assert tokens.status_code == 200, tokens.text
    claims = jwt.decode(tokens.json()["id_token"], _published_keys(portal)).claims
    assert claims["nonce"] == request.params["nonce"]


def test_request_uri_is_used_once(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request, request_uri = _pushed(portal, client, secret)
    authorize_code(
        browser, by_reference(client.client_id, request_uri, request.verifier), account.email
    )
    assert "invalid_request_uri" in _refusal_page(browser, client.client_id, request_uri)


def test_expired_request_uri_is_invalid_request_uri(components, browser, portal, clock):
    client, secret = make_client(components)
    _, request_uri = _pushed(portal, client, secret)
    clock.advance(PUSHED_REQUEST_TTL_SECONDS + 1)
    assert "invalid_request_uri" in _refusal_page(browser, client.client_id, request_uri)


def test_unknown_request_uri_is_invalid_request_uri(components, browser):
    client, _ = make_client(components)
    unknown = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    assert "invalid_request_uri" in _refusal_page(browser, client.client_id, unknown)


def test_request_uri_pushed_by_another_client_is_invalid_request_uri(components, browser, portal):
    client, secret = make_client(components)
    other, _ = make_client(components)
    _, request_uri = _pushed(portal, client, secret)
    assert "invalid_request_uri" in _refusal_page(browser, other.client_id, request_uri)


def test_request_uri_needs_the_client_id(components, browser, portal):
    client, secret = make_client(components)
    _, request_uri = _pushed(portal, client, secret)
    response = browser.get("/authorize", params={"request_uri": request_uri})
    assert response.status_code == 400
    assert "invalid_request" in response.text
    assert "client_id" in response.text


def test_parameters_beside_request_uri_are_refused(components, browser, portal):
    client, secret = make_client(components)
    _, request_uri = _pushed(portal, client, secret)
    text = _refusal_page(
        browser, client.client_id, request_uri, redirect_uri="https://attacker.example/cb"
    )
    assert "invalid_request" in text
    assert "redirect_uri" in text


def test_request_uri_not_issued_by_par_is_request_uri_not_supported(components, browser):
    client, _ = make_client(components)
    text = _refusal_page(browser, client.client_id, "https://portal.example/request.jwt")
    assert "request_uri_not_supported" in text


def test_public_client_pushes_with_its_client_id_only(components, browser, portal):
    account = make_account(components)
    client, _ = make_client(components, auth_method="none")
    request, request_uri = _pushed(portal, client, None)
    code = authorize_code(
        browser, by_reference(client.client_id, request_uri, request.verifier), account.email
    )["code"]
    assert redeem(portal, code, request.verifier, client.client_id, None).status_code == 200


def test_wrong_secret_at_par_is_401_invalid_client(components, portal):
    client, _ = make_client(components)
    request = authorization_request(client.client_id)
    response = push(portal, request.params, auth=(client.client_id, "wrong-secret"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_confidential_client_cannot_push_without_authenticating(components, portal):
    client, _ = make_client(components)
    response = push(portal, authorization_request(client.client_id).params)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unregistered_redirect_uri_is_refused_in_the_response(components, portal):
    client, secret = make_client(components)
    request = authorization_request(client.client_id, redirect_uri="https://attacker.example/cb")
    response = push(portal, request.params, auth=(client.client_id, secret))
    assert response.status_code == 400
    assert "location" not in response.headers
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "redirect_uri" in body["error_description"]
    assert "state" not in body


def test_pushed_request_without_pkce_is_invalid_request(components, portal):
    client, secret = make_client(components)
    request = authorization_request(client.client_id, code_challenge="", code_challenge_method="")
    response = push(portal, request.params, auth=(client.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "code_challenge" in response.json()["error_description"]


def test_request_uri_cannot_itself_be_pushed(components, portal):
    client, secret = make_client(components)
    params = {**authorization_request(client.client_id).params, "request_uri": "urn:x"}
    response = push(portal, params, auth=(client.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "request_uri" in response.json()["error_description"]


def test_client_id_other_than_the_authenticated_client_is_invalid_request(components, portal):
    client, secret = make_client(components)
    other, _ = make_client(components)
    params = authorization_request(other.client_id).params
    response = push(portal, params, auth=(client.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "client_id" in response.json()["error_description"]


def test_private_key_jwt_client_authenticates_with_the_par_endpoint_as_audience(components, portal):
    key, jwks = client_key("ES256")
    client, _ = make_client(components, auth_method="private_key_jwt", jwks=jwks)
    now = int(time.time())
    assertion = jwt.encode(
        {"alg": "ES256", "kid": key.kid},
        {
            "iss": client.client_id,
            "sub": client.client_id,
            "aud": "https://testserver/par",
            "exp": now + 60,
            "iat": now,
            "jti": secrets.token_urlsafe(8),
        },
        key,
        algorithms=["ES256"],
    )
    params = {
        **authorization_request(client.client_id).params,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    response = push(portal, params)
    assert response.status_code == 201, response.text


def test_client_that_must_push_is_refused_a_plain_request(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components, require_pushed_authorization_requests=True)
    plain = browser.get("/authorize?" + authorization_request(client.client_id).query)
    assert plain.status_code == 400
    assert "invalid_request" in plain.text
    request, request_uri = _pushed(portal, client, secret)
    result = authorize_code(
        browser, by_reference(client.client_id, request_uri, request.verifier), account.email
    )
    assert "code" in result


def test_error_after_the_pushed_redirect_is_proven_goes_to_the_portal(components, browser, portal):
    client, secret = make_client(components)
    _, request_uri = _pushed(portal, client, secret, prompt="none")
    response = browser.get(
        "/authorize", params={"client_id": client.client_id, "request_uri": request_uri}
    )
    assert response.status_code == 302
    assert query_of(response.headers["location"])["error"] == "login_required"
