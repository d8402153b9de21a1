"""Sign-out means out (issue 7 item 7): tokens issued through a browser session end with
it; a password change or an account recovery ends every grant; "Sign out everywhere";
"Connected portals" lists every portal holding a grant and withdraws it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories.idp import DEFAULT_PASSWORD, make_account, make_client
from tests.idp.flows import authorization_request, authorize_code, csrf_of, redeem, sign_in

NEW_PASSWORD = "a brand new long passphrase"


def _portal_tokens(components, browser, portal, account, **fields):
    client, secret = make_client(components, first_party=True, **fields)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    tokens = redeem(portal, code, request.verifier, client.client_id, secret).json()
    assert "refresh_token" in tokens, tokens
    return client, secret, tokens


def _introspects_active(portal, client, secret, tokens) -> bool:
    introspected = portal.post(
        "/introspect", data={"token": tokens["access_token"]}, auth=(client.client_id, secret)
    ).json()
    return bool(introspected.get("active"))


def _alive(portal, client, secret, tokens) -> tuple[bool, bool]:
    """(access token introspects active, refresh token still refreshes)."""
    active = _introspects_active(portal, client, secret, tokens)
    refreshed = portal.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(client.client_id, secret),
    )
    return active, refreshed.status_code == 200


def test_ending_the_other_sessions_ends_the_tokens_issued_through_them(
    components, app, browser, portal
):
    account = make_account(components)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        client, secret, tokens = _portal_tokens(components, other, portal, account)
        assert _introspects_active(portal, client, secret, tokens)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/sessions")
    browser.post("/account/sessions/end", data={"sid": "others", "csrf_token": csrf_of(page)})
    assert _alive(portal, client, secret, tokens) == (False, False)


def test_signing_out_at_the_provider_ends_the_portals_tokens(components, browser, portal):
    account = make_account(components)
    client, secret, tokens = _portal_tokens(components, browser, portal, account)
    assert _introspects_active(portal, client, secret, tokens)
    page = browser.get("/account")
    browser.post("/logout", data={"csrf_token": csrf_of(page)})
    assert _alive(portal, client, secret, tokens) == (False, False)


def test_sign_out_everywhere_ends_this_session_too(components, browser, portal):
    account = make_account(components)
    client, secret, tokens = _portal_tokens(components, browser, portal, account)
    page = browser.get("/account/sessions")
    out = browser.post(
        "/account/sessions/end", data={"sid": "everywhere", "csrf_token": csrf_of(page)}
    )
    assert out.headers["location"] == "/login?notice=signed_out"
    assert browser.get("/account").status_code == 303
    assert _alive(portal, client, secret, tokens) == (False, False)


def test_a_password_change_ends_every_grant(components, app, browser, portal):
    account = make_account(components)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        client, secret, tokens = _portal_tokens(components, other, portal, account)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/security")
    changed = browser.post(
        "/account/security/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    assert changed.headers["location"] == "/account/security?notice=password_changed"
    assert _alive(portal, client, secret, tokens) == (False, False)


def test_an_account_recovery_ends_every_grant(components, browser, portal, mail):
    account = make_account(components)
    client, secret, tokens = _portal_tokens(components, browser, portal, account)
    page = browser.get("/recover")
    browser.post("/recover", data={"email": account.email, "csrf_token": csrf_of(page)})
    done = browser.post(
        "/recover/verify",
        data={
            "email": account.email,
            "code": mail.last_code(account.email),
            "password": NEW_PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    assert done.headers["location"] == "/login?notice=password_changed"
    assert _alive(portal, client, secret, tokens) == (False, False)


def test_connected_portals_lists_and_withdraws_a_portal_with_offline_access(
    components, app, browser, portal
):
    account = make_account(components)
    client, secret, tokens = _portal_tokens(
        components, browser, portal, account, name="Visitor visa portal"
    )
    page = browser.get("/account/portals")
    assert "Visitor visa portal" in page.text
    assert "Keep access while you are away" in page.text  # offline_access, in plain words
    withdrawn = browser.post(
        "/account/portals/revoke",
        data={"client_id": client.client_id, "csrf_token": csrf_of(page)},
    )
    assert withdrawn.headers["location"] == "/account/portals?notice=revoked"
    assert _alive(portal, client, secret, tokens) == (False, False)
    assert "Visitor visa portal" not in browser.get("/account/portals").text
