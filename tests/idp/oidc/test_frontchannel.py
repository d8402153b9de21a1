"""OpenID Connect Front-Channel Logout 1.0: the signed-out page frames the session's portals."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.authn.sessions import add_client
from idp.errors import InvalidInput
from tests.factories.idp import (
    LOGOUT_URI,
    REDIRECT_URI,
    make_account,
    make_client,
    make_profile_client,
    transaction,
)
from tests.idp.flows import (
    COOKIES,
    authorization_request,
    authorize_code,
    csrf_of,
    query_of,
    redeem,
    switch_language,
)

FRONTCHANNEL_URI = "https://portal.example/oidc/frontchannel-logout"
OTHER_REDIRECT = "https://other.example/callback"
OTHER_FRONTCHANNEL = "https://other.example/logout?from=idp"
IRCC = "https://ircc-portal.example"  # the shipped profile's URIs (ircc-portal.toml)


def _signed_in(components, browser, portal, **client_fields):
    """A person signed in to a portal; returns the ID token and its claims."""
    account = make_account(components)
    client, secret = make_client(components, **client_fields)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    id_token = redeem(portal, code, request.verifier, client.client_id, secret).json()["id_token"]
    keys = KeySet.import_key_set(portal.get("/jwks").json())
    return id_token, jwt.decode(id_token, keys).claims


def _frames(html):
    return [unescape(src) for src in re.findall(r'<iframe[^>]*\ssrc="([^"]+)"', html)]


def _logout(browser, id_token, **extra):
    query = {"id_token_hint": id_token, **extra}
    return browser.get("/logout?" + urlencode(query))


def test_signed_out_page_frames_the_portal_with_iss_and_sid(components, browser, portal):
    id_token, claims = _signed_in(
        components,
        browser,
        portal,
        frontchannel_logout_uri=FRONTCHANNEL_URI,
        frontchannel_logout_session_required=True,
    )
    response = _logout(browser, id_token, post_logout_redirect_uri=LOGOUT_URI, state="s1")
    assert response.status_code == 200
    [frame] = _frames(response.text)
    assert frame.startswith(FRONTCHANNEL_URI + "?")
    assert query_of(frame) == {"iss": "https://testserver", "sid": claims["sid"]}
    assert f'href="{LOGOUT_URI}?state=s1"' in response.text  # then on to the portal
    assert '<script src="/static/frontchannel.js" defer></script>' in response.text
    assert f"{COOKIES.session}=" in response.headers["set-cookie"]  # the session is over


def test_portal_not_requiring_the_session_gets_its_uri_unchanged(components, browser, portal):
    id_token, _ = _signed_in(components, browser, portal, frontchannel_logout_uri=FRONTCHANNEL_URI)
    assert _frames(_logout(browser, id_token).text) == [FRONTCHANNEL_URI]


def test_page_policy_allows_frames_from_exactly_the_framed_origins(components, browser, portal):
    id_token, claims = _signed_in(
        components, browser, portal, frontchannel_logout_uri=FRONTCHANNEL_URI
    )
    other, _ = make_client(
        components, redirect_uris=[OTHER_REDIRECT], frontchannel_logout_uri=OTHER_FRONTCHANNEL
    )
    silent, _ = make_client(components)  # registered no front-channel URI: not framed
    with transaction(components) as db:
        add_client(db, claims["sid"], other.client_id)
        add_client(db, claims["sid"], silent.client_id)
    response = _logout(browser, id_token)
    assert sorted(_frames(response.text)) == sorted([FRONTCHANNEL_URI, OTHER_FRONTCHANNEL])
    policy = response.headers["content-security-policy"]
    assert "frame-src https://other.example https://portal.example" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers.get_list("content-security-policy") == [policy]


def test_every_other_page_keeps_the_service_policy(browser):
    policy = browser.get("/login").headers["content-security-policy"]
    assert "frame-src" not in policy
    assert "frame-ancestors 'none'" in policy


def test_session_without_front_channel_portals_redirects_at_once(components, browser, portal):
    id_token, _ = _signed_in(components, browser, portal)
    response = _logout(browser, id_token, post_logout_redirect_uri=LOGOUT_URI)
    assert response.status_code == 303
    assert response.headers["location"] == LOGOUT_URI


def test_signing_out_everywhere_frames_the_portals_of_this_browser(components, browser, portal):
    _signed_in(components, browser, portal, frontchannel_logout_uri=FRONTCHANNEL_URI)
    page = browser.get("/account/sessions")
    response = browser.post(
        "/account/sessions/end", data={"sid": "everywhere", "csrf_token": csrf_of(page)}
    )
    assert response.status_code == 200
    assert _frames(response.text) == [FRONTCHANNEL_URI]
    assert 'href="/login?notice=signed_out"' in response.text
    assert "frame-src https://portal.example" in response.headers["content-security-policy"]
    assert browser.get("/account").status_code == 303  # signed out


def test_front_channel_uri_must_share_origin_with_a_redirect_uri(components):
    with pytest.raises(InvalidInput) as refused:
        make_client(
            components, redirect_uris=[REDIRECT_URI], frontchannel_logout_uri=OTHER_FRONTCHANNEL
        )
    assert refused.value.field == "frontchannel_logout_uri"


def _signed_in_to_the_ircc_portal(components, browser, portal) -> str:
    """A person signed in to the IRCC Portal (its profile names it in each language); its
    ID token."""
    account = make_account(components)
    client, secret = make_profile_client(components, "ircc-portal")
    callback = f"{IRCC}/oidc/callback"
    request = authorization_request(client.client_id, redirect_uri=callback)
    code = authorize_code(browser, request, account.email)["code"]
    tokens = redeem(portal, code, request.verifier, client.client_id, secret, redirect_uri=callback)
    return tokens.json()["id_token"]


def _assert_switched_without_signing_out_again(browser, english, continue_to):
    """The switch shows the signed-out page again in French (`POST /language`): the portal
    named in French, framed again under the same policy, the same way on; nothing ended
    again (no session cookie cleared, no redirect to the portal)."""
    assert english.status_code == 200
    assert "<li>IRCC Portal</li>" in english.text
    assert 'action="/language?lang=fr"' in english.text  # kept, not a link to run again
    french = switch_language(browser, english)
    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "Vous êtes déconnecté" in french.text
    assert "<li>Portail d’IRCC</li>" in french.text
    assert "IRCC Portal" not in french.text
    assert _frames(french.text) == _frames(english.text) == [_frames(english.text)[0]]
    assert _frames(french.text)[0].startswith(f"{IRCC}/oidc/frontchannel-logout")
    policy = french.headers["content-security-policy"]
    assert policy == english.headers["content-security-policy"]
    assert f"frame-src {IRCC}" in policy
    assert f'href="{continue_to}"' in french.text
    assert COOKIES.session not in french.headers.get("set-cookie", "")


def test_the_signed_out_page_of_a_portals_logout_switches_language_without_running_it_again(
    components, browser, portal
):
    """Shown by `GET /logout`, its address would run the logout again: with the session
    gone, straight on to the portal, the page never shown in French."""
    id_token = _signed_in_to_the_ircc_portal(components, browser, portal)
    english = _logout(browser, id_token, post_logout_redirect_uri=f"{IRCC}/signed-out", state="s1")
    _assert_switched_without_signing_out_again(browser, english, f"{IRCC}/signed-out?state=s1")


def test_the_signed_out_page_of_signing_out_everywhere_switches_language(
    components, browser, portal
):
    """Its address (`/account/sessions/end`) has no GET: the link answered 405."""
    _signed_in_to_the_ircc_portal(components, browser, portal)
    page = browser.get("/account/sessions")
    english = browser.post(
        "/account/sessions/end", data={"sid": "everywhere", "csrf_token": csrf_of(page)}
    )
    _assert_switched_without_signing_out_again(browser, english, "/login?notice=signed_out")
