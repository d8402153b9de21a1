"""The sessions page, and back-channel logout to the portals of an ended session."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.authn.sessions import find_session, list_sessions
from tests.factories.idp import make_account, make_client, transaction
from tests.idp.flows import COOKIES, authorization_request, authorize_code, csrf_of, redeem, sign_in
from tests.receiver import receiver

EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _live_sessions(components, account_id):
    with transaction(components) as db:
        return len(list_sessions(db, account_id, components.clock.now()))


def _sid(components, cookie):
    with transaction(components) as db:
        return find_session(db, cookie, components.clock.now()).sid


def test_sessions_page_lists_devices_and_portals(components, app, browser):
    account = make_account(components)
    client, _ = make_client(components, name="IRCC Portal", first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    with TestClient(
        app,
        base_url="https://testserver",
        follow_redirects=False,
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14) Firefox/130"},
    ) as phone:
        sign_in(phone, "/login", account.email)
        page = browser.get("/account/sessions")
    assert page.status_code == 200
    assert "IRCC Portal" in page.text
    assert "Firefox · Android" in page.text
    assert "this device" in page.text


@pytest.mark.parametrize(("lang", "zones"), [("en", "EST|EDT"), ("fr", "HNE|HAE")])
def test_sessions_page_shows_times_in_the_service_zone_named_in_its_language(
    components, browser, lang, zones
):
    """Not `2026-11-25 14:03 UTC` on a Canadian service, the same in both languages."""
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get(f"/account/sessions?lang={lang}").text
    shown = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d ([A-Z]+)", page)
    assert len(shown) == 2  # signed in, last active
    assert all(re.fullmatch(zones, zone) for zone in shown), shown


def test_ending_every_other_session_signs_other_devices_out(components, app, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, "/login", account.email)
        assert _live_sessions(components, account.id) == 2
        page = browser.get("/account/sessions")
        browser.post("/account/sessions/end", data={"sid": "others", "csrf_token": csrf_of(page)})
        assert other.get("/account").status_code == 303
    assert browser.get("/account").status_code == 200
    assert _live_sessions(components, account.id) == 1


def test_one_session_can_be_ended_by_its_id(components, app, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, "/login", account.email)
        other_sid = _sid(components, other.cookies.get(COOKIES.session))
        page = browser.get("/account/sessions")
        ended = browser.post(
            "/account/sessions/end", data={"sid": other_sid, "csrf_token": csrf_of(page)}
        )
        assert ended.headers["location"] == "/account/sessions?notice=ended_1"
        assert other.get("/account").status_code == 303
    assert browser.get("/account").status_code == 200


def test_another_accounts_session_cannot_be_ended(components, app, browser):
    mine, theirs = make_account(components), make_account(components)
    sign_in(browser, "/login", mine.email)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, "/login", theirs.email)
        their_sid = _sid(components, other.cookies.get(COOKIES.session))
        page = browser.get("/account/sessions")
        browser.post("/account/sessions/end", data={"sid": their_sid, "csrf_token": csrf_of(page)})
        assert other.get("/account").status_code == 200


def test_ending_a_session_posts_a_signed_logout_token_to_the_portal(
    components, app, browser, portal
):
    account = make_account(components)
    with receiver() as (url, received):
        client, secret = make_client(
            components, first_party=True, backchannel_logout_uri=f"{url}/backchannel"
        )
        request = authorization_request(client.client_id)
        code = authorize_code(browser, request, account.email)["code"]
        id_token = redeem(portal, code, request.verifier, client.client_id, secret).json()[
            "id_token"
        ]
        page = browser.get("/account")
        browser.post("/logout", data={"csrf_token": csrf_of(page)})
        assert app.state.outbox.deliver_now() == 1
    ((path, content_type, body),) = received.bodies
    assert path == "/backchannel"
    assert content_type == "application/x-www-form-urlencoded"
    token = parse_qs(body.decode())["logout_token"][0]
    keys = KeySet.import_key_set(portal.get("/jwks").json())
    decoded = jwt.decode(token, keys)
    id_claims = jwt.decode(id_token, keys).claims
    assert decoded.header["typ"] == "logout+jwt"
    assert decoded.claims["aud"] == client.client_id
    assert decoded.claims["sid"] == id_claims["sid"]
    assert decoded.claims["sub"] == account.subject
    assert EVENT in decoded.claims["events"]
    assert "nonce" not in decoded.claims


def test_a_portal_that_is_down_gets_the_logout_token_when_it_comes_back(
    components, app, browser, clock
):
    account = make_account(components)
    with receiver() as (url, received):
        received.status = 503
        client, _ = make_client(components, first_party=True, backchannel_logout_uri=f"{url}/bcl")
        authorize_code(browser, authorization_request(client.client_id), account.email)
        page = browser.get("/account")
        browser.post("/logout", data={"csrf_token": csrf_of(page)})
        assert app.state.outbox.deliver_now() == 0
        received.status = 200
        assert app.state.outbox.deliver_now() == 0  # not yet: backing off
        clock.advance(6)
        assert app.state.outbox.deliver_now() == 1
    assert len(received.bodies) == 2
