"""Introspection (RFC 7662) and revocation (RFC 7009)."""

from __future__ import annotations

from tests.factories.idp import make_account, make_client
from tests.idp.flows import authorization_request, authorize_code, redeem


def _issued(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    return (
        account,
        client,
        secret,
        redeem(portal, code, request.verifier, client.client_id, secret).json(),
    )


def test_active_access_token_introspects_with_its_claims(components, browser, portal):
    account, client, secret, body = _issued(components, browser, portal)
    response = portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    )
    assert response.status_code == 200
    claims = response.json()
    assert claims["active"] is True
    assert claims["sub"] == account.subject
    assert claims["client_id"] == client.client_id
    assert claims["token_type"] == "Bearer"
    assert set(claims["scope"].split()) == {"openid", "profile", "email", "offline_access"}


def test_refresh_token_introspects_as_active(components, browser, portal):
    account, client, secret, body = _issued(components, browser, portal)
    claims = portal.post(
        "/introspect",
        data={"token": body["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(client.client_id, secret),
    ).json()
    assert claims["active"] is True
    assert claims["sub"] == account.subject


def test_garbage_token_introspects_as_inactive_only(components, portal):
    client, secret = make_client(components)
    response = portal.post(
        "/introspect", data={"token": "not-a-token"}, auth=(client.client_id, secret)
    )
    assert response.json() == {"active": False}


def test_another_clients_token_introspects_as_inactive(components, browser, portal):
    _, _, _, body = _issued(components, browser, portal)
    other, other_secret = make_client(components)
    response = portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(other.client_id, other_secret)
    )
    assert response.json() == {"active": False}


def test_introspection_needs_client_authentication(components, browser, portal):
    _, _, _, body = _issued(components, browser, portal)
    response = portal.post("/introspect", data={"token": body["access_token"]})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_unknown_token_type_hint_is_ignored_at_introspection(components, browser, portal):
    # RFC 7662 section 2.1: the search extends across every token type, whatever the hint.
    _, client, secret, body = _issued(components, browser, portal)
    for token in (body["access_token"], body["refresh_token"]):
        response = portal.post(
            "/introspect",
            data={"token": token, "token_type_hint": "id_token"},
            auth=(client.client_id, secret),
        )
        assert response.status_code == 200, response.text
        assert response.json()["active"] is True


def test_unknown_token_type_hint_is_ignored_at_revocation(components, browser, portal):
    # RFC 7009 section 2.1; `unsupported_token_type` is for a type that cannot be revoked.
    _, client, secret, body = _issued(components, browser, portal)
    response = portal.post(
        "/revoke",
        data={"token": body["refresh_token"], "token_type_hint": "foo"},
        auth=(client.client_id, secret),
    )
    assert response.status_code == 200, response.text
    assert portal.post(
        "/introspect", data={"token": body["refresh_token"]}, auth=(client.client_id, secret)
    ).json() == {"active": False}


def test_missing_token_is_invalid_request_naming_it(components, portal):
    client, secret = make_client(components)
    for path in ("/introspect", "/revoke"):
        response = portal.post(
            path, data={"token_type_hint": "access_token"}, auth=(client.client_id, secret)
        )
        assert response.status_code == 400
        assert response.json() == {
            "error": "invalid_request",
            "error_description": "missing 'token'",
        }


def test_revoked_access_token_introspects_as_inactive(components, browser, portal):
    _, client, secret, body = _issued(components, browser, portal)
    revoked = portal.post(
        "/revoke", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    )
    assert revoked.status_code == 200
    assert portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    ).json() == {"active": False}
    assert (
        portal.get(
            "/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
        ).status_code
        == 401
    )


def test_revoking_the_refresh_token_revokes_its_access_tokens(components, browser, portal):
    _, client, secret, body = _issued(components, browser, portal)
    portal.post("/revoke", data={"token": body["refresh_token"]}, auth=(client.client_id, secret))
    assert portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    ).json() == {"active": False}
    refreshed = portal.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=(client.client_id, secret),
    )
    assert refreshed.json()["error"] == "invalid_grant"


def test_revoking_an_unknown_token_succeeds_silently(components, portal):
    client, secret = make_client(components)
    response = portal.post("/revoke", data={"token": "unknown"}, auth=(client.client_id, secret))
    assert response.status_code == 200


def test_expired_access_token_introspects_as_inactive(components, browser, portal, clock):
    _, client, secret, body = _issued(components, browser, portal)
    clock.advance(components.settings.access_token_ttl_seconds + 1)
    assert portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    ).json() == {"active": False}
