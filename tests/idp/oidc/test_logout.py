"""RP-Initiated Logout: exact post-logout redirects, id_token_hint, confirmation."""

from __future__ import annotations

import html
import re
from urllib.parse import urlencode

from tests.factories.idp import LOGOUT_URI, make_account, make_client
from tests.idp.flows import (
    COOKIES,
    authorization_request,
    authorize_code,
    query_of,
    redeem,
    with_jwt_header,
)


def _signed_in(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, secret).json()
    return client, body["id_token"]


def test_logout_with_matching_hint_ends_the_session_and_redirects_with_state(
    components, browser, portal
):
    client, id_token = _signed_in(components, browser, portal)
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": LOGOUT_URI, "state": "s1"}
    )
    response = browser.get("/logout?" + query)
    assert response.status_code == 303
    assert response.headers["location"] == LOGOUT_URI + "?state=s1"
    again = browser.get(
        "/authorize?" + authorization_request(client.client_id, prompt="none").query
    )
    assert query_of(again.headers["location"])["error"] == "login_required"


def test_unregistered_post_logout_redirect_uri_shows_a_page(components, browser, portal):
    _, id_token = _signed_in(components, browser, portal)
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": "https://attacker.example/"}
    )
    response = browser.get("/logout?" + query)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_post_logout_redirect_without_a_client_is_refused(browser):
    response = browser.get("/logout?" + urlencode({"post_logout_redirect_uri": LOGOUT_URI}))
    assert response.status_code == 400


def test_logout_without_hint_asks_for_confirmation_then_signs_out(components, browser, portal):
    client, _ = _signed_in(components, browser, portal)
    confirm = browser.get(
        "/logout?"
        + urlencode({"client_id": client.client_id, "post_logout_redirect_uri": LOGOUT_URI})
    )
    assert confirm.status_code == 200
    assert 'action="/logout"' in confirm.text
    done = browser.post(
        "/logout",
        data={
            "client_id": client.client_id,
            "post_logout_redirect_uri": LOGOUT_URI,
            "csrf_token": browser.cookies.get(COOKIES.csrf),
        },
    )
    assert done.status_code == 303
    assert done.headers["location"] == LOGOUT_URI


def test_logout_post_without_csrf_only_asks_again(components, browser, portal):
    client, _ = _signed_in(components, browser, portal)
    response = browser.post("/logout", data={"client_id": client.client_id})
    assert response.status_code == 200
    assert browser.get("/account").status_code == 200


def test_forged_id_token_hint_is_refused(browser):
    response = browser.get("/logout?" + urlencode({"id_token_hint": "eyJhbGciOiJub25lIn0.e30."}))
    assert response.status_code == 400


def test_a_hint_signed_by_a_key_rotated_out_asks_for_confirmation(components, browser, portal):
    """Section 2: the OP SHOULD accept old ID tokens. One it can no longer verify proves
    nothing, so it is as if absent: the person confirms; nobody is signed out unasked."""
    client, id_token = _signed_in(components, browser, portal)
    hint = with_jwt_header(id_token, kid="rotated-out")
    query = {"id_token_hint": hint, "client_id": client.client_id}
    confirm = browser.get("/logout?" + urlencode({**query, "post_logout_redirect_uri": LOGOUT_URI}))
    assert confirm.status_code == 200
    assert 'action="/logout"' in confirm.text
    assert browser.get("/account").status_code == 200  # still signed in
    alone = browser.get("/logout?" + urlencode({"id_token_hint": hint}))
    assert alone.status_code == 200


def _hidden_fields(page) -> dict[str, str]:
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    return {name: html.unescape(value) for name, value in fields}


def test_the_ui_locales_the_portal_asked_for_holds_until_the_person_is_signed_out(
    components, browser, portal
):
    client, _ = _signed_in(components, browser, portal)
    query = urlencode({"client_id": client.client_id, "ui_locales": "fr-CA"})
    confirm = browser.get("/logout?" + query)
    assert '<html lang="fr">' in confirm.text
    fields = _hidden_fields(confirm)
    assert fields["ui_locales"] == "fr-CA"
    done = browser.post("/logout", data=fields)
    assert done.status_code == 200
    assert browser.get("/account").status_code != 200
    assert '<html lang="fr">' in done.text
