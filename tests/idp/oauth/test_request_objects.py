"""Signed request objects (RFC 9101) at /authorize and at /par."""

from __future__ import annotations

import base64
import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    AuthorizationRequest,
    authorization_request,
    authorize_code,
    by_reference,
    client_key,
    push,
    query_of,
    redeem,
    request_object_claims,
    sign_request_object,
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signing_client(components, alg="ES256", **fields):
    key, jwks = client_key(alg)
    client, secret = make_client(components, jwks=jwks, **fields)
    return client, secret, key


def _by_value(request, token, **outside):
    """The browser's request: `client_id` and `request` (plus what a client repeats)."""
    params = {"client_id": request.client_id, "request": token, **outside}
    return AuthorizationRequest(request.client_id, request.verifier, params)


def _refusal(browser, request, token):
    response = browser.get("/authorize?" + _by_value(request, token).query)
    assert response.status_code == 400, response.text[:300]
    assert "location" not in response.headers
    return response.text


def test_request_object_parameters_replace_the_query(components, browser, portal, clock):
    account = make_account(components)
    client, secret, key = _signing_client(components)
    request = authorization_request(client.client_id, state="inside", nonce="nonce-inside")
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    outside = {"response_type": "code", "scope": "openid", "state": "outside", "nonce": "x"}
    result = authorize_code(browser, _by_value(request, token, **outside), account.email)
    assert result["state"] == "inside"
    tokens = redeem(portal, result["code"], request.verifier, client.client_id, secret).json()
    keys = KeySet.import_key_set(portal.get("/jwks").json())
    assert jwt.decode(tokens["id_token"], keys).claims["nonce"] == "nonce-inside"


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
def test_request_object_signed_with_each_advertised_alg_is_accepted(
    components, browser, clock, alg
):
    client, _, key = _signing_client(components, alg)
    request = authorization_request(client.client_id, prompt="none")
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    response = browser.get("/authorize?" + _by_value(request, token).query)
    assert response.status_code == 302  # verified: the portal gets prompt=none's answer
    assert query_of(response.headers["location"])["error"] == "login_required"


def test_unsigned_request_object_is_invalid_request_object(components, browser, clock):
    client, _, _ = _signing_client(components)
    request = authorization_request(client.client_id)
    claims = request_object_claims(request, clock.now().timestamp())
    header = _b64(json.dumps({"alg": "none"}).encode())
    unsigned = f"{header}.{_b64(json.dumps(claims).encode())}."
    assert "invalid_request_object" in _refusal(browser, request, unsigned)


def test_request_object_signed_by_another_key_is_invalid_request_object(components, browser, clock):
    client, _, _ = _signing_client(components)
    stranger, _ = client_key("ES256")
    request = authorization_request(client.client_id)
    token = sign_request_object(stranger, request_object_claims(request, clock.now().timestamp()))
    assert "invalid_request_object" in _refusal(browser, request, token)


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("aud", "https://another-provider.example"),
        ("iss", "someone-else"),
        ("client_id", "someone-else"),
        ("request_uri", "https://portal.example/request.jwt"),
    ],
)
def test_request_object_naming_the_wrong_party_is_invalid_request_object(
    components, browser, clock, claim, value
):
    client, _, key = _signing_client(components)
    request = authorization_request(client.client_id)
    claims = request_object_claims(request, clock.now().timestamp(), **{claim: value})
    text = _refusal(browser, request, sign_request_object(key, claims))
    assert "invalid_request_object" in text
    assert claim in text


@pytest.mark.parametrize(("offset", "reason"), [(-120, "expired"), (7200, "ahead"), (None, "exp")])
def test_request_object_outside_its_time_bounds_is_refused(
    components, browser, clock, offset, reason
):
    client, _, key = _signing_client(components)
    request = authorization_request(client.client_id)
    now = clock.now().timestamp()
    exp = None if offset is None else int(now) + offset
    claims = {**request_object_claims(request, now), "exp": exp}
    text = _refusal(
        browser, request, sign_request_object(key, {k: v for k, v in claims.items() if v})
    )
    assert "invalid_request_object" in text
    assert reason in text


def test_client_without_registered_keys_cannot_sign_requests(components, browser, clock):
    client, _ = make_client(components)
    key, _ = client_key("ES256")
    request = authorization_request(client.client_id)
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    assert "invalid_request_object" in _refusal(browser, request, token)


def test_request_and_request_uri_together_are_invalid_request(components, browser, clock):
    client, _, key = _signing_client(components)
    request = authorization_request(client.client_id)
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    params = {"client_id": client.client_id, "request": token, "request_uri": "urn:x"}
    response = browser.get("/authorize", params=params)
    assert response.status_code == 400
    assert "invalid_request" in response.text


def test_bad_parameter_inside_a_verified_object_is_redirected_to_the_portal(
    components, browser, clock
):
    client, _, key = _signing_client(components)
    request = authorization_request(client.client_id, code_challenge_method="plain")
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    response = browser.get("/authorize?" + _by_value(request, token).query)
    assert response.status_code == 302
    result = query_of(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert result["state"] == request.params["state"]


def test_request_object_pushed_to_par_is_used_by_reference(components, browser, portal, clock):
    account = make_account(components)
    client, secret, key = _signing_client(components)
    request = authorization_request(client.client_id)
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    pushed = push(
        portal, {"client_id": client.client_id, "request": token}, auth=(client.client_id, secret)
    )
    assert pushed.status_code == 201, pushed.text
    reference = by_reference(client.client_id, pushed.json()["request_uri"], request.verifier)
    result = authorize_code(browser, reference, account.email)
    assert result["state"] == request.params["state"]


def test_authorization_parameters_beside_a_pushed_request_object_are_refused(
    components, portal, clock
):
    client, secret, key = _signing_client(components)
    request = authorization_request(client.client_id)
    token = sign_request_object(key, request_object_claims(request, clock.now().timestamp()))
    params = {"client_id": client.client_id, "request": token, "scope": "openid"}
    response = push(portal, params, auth=(client.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "scope" in response.json()["error_description"]


def test_bad_request_object_at_par_is_invalid_request_object(components, portal, clock):
    client, secret, _ = _signing_client(components)
    stranger, _ = client_key("ES256")
    request = authorization_request(client.client_id)
    token = sign_request_object(stranger, request_object_claims(request, clock.now().timestamp()))
    response = push(
        portal, {"client_id": client.client_id, "request": token}, auth=(client.client_id, secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request_object"
