"""Client credentials (RFC 6749 section 4.4) and private_key_jwt (RFC 7523)."""

from __future__ import annotations

import secrets
import time

from joserfc import jwt
from joserfc.jwk import ECKey

from tests.factories.idp import make_client


def _service_client(components, **fields):
    return make_client(
        components, grant_types=["client_credentials"], redirect_uris=[], scope="openid", **fields
    )


def test_client_credentials_token_has_the_client_as_subject(components, portal):
    client, secret = _service_client(components)
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert "id_token" not in body
    introspected = portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    ).json()
    assert introspected["active"] is True
    assert introspected["sub"] == client.client_id


def test_client_not_registered_for_client_credentials_is_unauthorized_client(components, portal):
    client, secret = make_client(components)
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_unknown_grant_type_is_unsupported_grant_type(components, portal):
    client, secret = _service_client(components)
    response = portal.post(
        "/token", data={"grant_type": "password"}, auth=(client.client_id, secret)
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_unknown_client_is_401_invalid_client(portal):
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=("nobody", "nothing")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "www-authenticate" in response.headers


def _assertion(key, client_id, audience, jti=None, lifetime=60):
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": jti or secrets.token_urlsafe(12),
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)


def _jwt_client(components):
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    client, secret = _service_client(
        components, auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=False)]}
    )
    assert secret is None
    return client, key


def _with_assertion(assertion):
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }


def test_private_key_jwt_authenticates_the_client(components, portal):
    client, key = _jwt_client(components)
    assertion = _assertion(key, client.client_id, "https://testserver/token")
    response = portal.post("/token", data=_with_assertion(assertion))
    assert response.status_code == 200, response.text


def test_replayed_client_assertion_is_refused(components, portal):
    client, key = _jwt_client(components)
    assertion = _assertion(key, client.client_id, "https://testserver/token")
    assert portal.post("/token", data=_with_assertion(assertion)).status_code == 200
    replay = portal.post("/token", data=_with_assertion(assertion))
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


def test_client_assertion_signed_by_another_key_is_refused(components, portal):
    client, _ = _jwt_client(components)
    stranger = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    response = portal.post(
        "/token",
        data=_with_assertion(_assertion(stranger, client.client_id, "https://testserver/token")),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_assertion_for_another_audience_is_refused(components, portal):
    client, key = _jwt_client(components)
    response = portal.post(
        "/token",
        data=_with_assertion(_assertion(key, client.client_id, "https://elsewhere.example/token")),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
