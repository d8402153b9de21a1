"""Refresh tokens: rotation at every use, and reuse that revokes the whole family."""

from __future__ import annotations

from tests.factories.idp import make_account, make_client
from tests.idp.flows import authorization_request, authorize_code, redeem


def _tokens(components, browser, portal, **client_fields):
    account = make_account(components)
    client, secret = make_client(components, **client_fields)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, secret).json()
    return client, secret, body


def _refresh(portal, client, secret, refresh_token, **extra):
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **extra}
    return portal.post("/token", data=data, auth=(client.client_id, secret))


def test_refresh_rotates_the_refresh_token_and_returns_a_new_id_token(components, browser, portal):
    client, secret, body = _tokens(components, browser, portal)
    response = _refresh(portal, client, secret, body["refresh_token"])
    assert response.status_code == 200, response.text
    refreshed = response.json()
    assert refreshed["refresh_token"] != body["refresh_token"]
    assert refreshed["access_token"] != body["access_token"]
    assert "id_token" in refreshed


def test_reused_refresh_token_is_refused_and_revokes_the_family(components, browser, portal):
    client, secret, body = _tokens(components, browser, portal)
    rotated = _refresh(portal, client, secret, body["refresh_token"]).json()
    reuse = _refresh(portal, client, secret, body["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    # The legitimate holder's newer tokens die with the family.
    assert (
        _refresh(portal, client, secret, rotated["refresh_token"]).json()["error"]
        == "invalid_grant"
    )
    introspected = portal.post(
        "/introspect", data={"token": rotated["access_token"]}, auth=(client.client_id, secret)
    ).json()
    assert introspected == {"active": False}


def test_a_narrow_refresh_narrows_the_access_token_not_the_refresh_token(
    components, browser, portal
):
    """RFC 6749 section 6: the new refresh token's scope is identical to the one it replaces."""
    client, secret, body = _tokens(components, browser, portal)
    narrowed = _refresh(portal, client, secret, body["refresh_token"], scope="openid")
    assert narrowed.status_code == 200
    assert narrowed.json()["scope"] == "openid"
    introspected = portal.post(
        "/introspect",
        data={"token": narrowed.json()["access_token"]},
        auth=(client.client_id, secret),
    ).json()
    assert introspected["scope"] == "openid"
    again = _refresh(portal, client, secret, narrowed.json()["refresh_token"], scope=body["scope"])
    assert again.status_code == 200, again.text
    assert again.json()["scope"] == body["scope"]
    plain = _refresh(portal, client, secret, again.json()["refresh_token"])
    assert plain.json()["scope"] == body["scope"]


def test_refresh_may_not_widen_the_scope_beyond_the_grant(components, browser, portal):
    client, secret, body = _tokens(components, browser, portal)
    widened = _refresh(
        portal, client, secret, body["refresh_token"], scope=body["scope"] + " phone"
    )
    assert widened.status_code == 400
    assert widened.json()["error"] == "invalid_scope"


def test_refresh_token_of_another_client_is_invalid_grant(components, browser, portal):
    _, _, body = _tokens(components, browser, portal)
    other, other_secret = make_client(components)
    response = _refresh(portal, other, other_secret, body["refresh_token"])
    assert response.json()["error"] == "invalid_grant"


def test_expired_refresh_token_is_invalid_grant(components, browser, portal, clock):
    client, secret, body = _tokens(components, browser, portal)
    clock.advance(components.settings.refresh_token_ttl_seconds + 1)
    assert (
        _refresh(portal, client, secret, body["refresh_token"]).json()["error"] == "invalid_grant"
    )


def test_client_without_the_refresh_grant_gets_no_refresh_token(components, browser, portal):
    _, _, body = _tokens(components, browser, portal, grant_types=["authorization_code"])
    assert "refresh_token" not in body


def test_refused_refresh_token_and_widened_scope_name_their_parameter(components, browser, portal):
    client, secret, body = _tokens(components, browser, portal)
    unknown = _refresh(portal, client, secret, "not-a-refresh-token")
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_grant"
    assert "'refresh_token'" in unknown.json()["error_description"]
    widened = _refresh(
        portal, client, secret, body["refresh_token"], scope="openid delegations:read"
    )
    assert widened.json()["error"] == "invalid_scope"
    assert "'scope'" in widened.json()["error_description"]
