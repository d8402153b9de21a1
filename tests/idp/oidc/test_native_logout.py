"""RP-Initiated Logout for a native app (RFC 8252): its post-logout redirect URI on a
private-use scheme, or on a loopback IP on any port; the confirmation page's CSP allows
exactly that scheme, since its form's answer redirects there."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from idp.http.security_headers import CONTENT_SECURITY_POLICY
from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    BASE_FORM_ACTION,
    COOKIES,
    authorization_request,
    authorize_code,
    form_action,
)

APP_URI = "ca.gc.ircc.app:/oauth2redirect"
BYE = "ca.gc.ircc.app:/signed-out"
LOOPBACK_BYE = "http://127.0.0.1/signed-out"


def _signed_in_native(components, browser):
    client, _ = make_client(
        components,
        application_type="native",
        auth_method="none",
        first_party=True,
        redirect_uris=[APP_URI],
        post_logout_redirect_uris=[BYE, LOOPBACK_BYE],
    )
    account = make_account(components)
    authorize_code(
        browser, authorization_request(client.client_id, redirect_uri=APP_URI), account.email
    )
    return client


def _confirm_then_sign_out(browser, client, redirect_uri: str):
    query = {"client_id": client.client_id, "post_logout_redirect_uri": redirect_uri}
    confirm = browser.get("/logout?" + urlencode({**query, "state": "s1"}))
    assert confirm.status_code == 200, confirm.text[:500]
    done = browser.post(
        "/logout",
        data={**query, "state": "s1", "csrf_token": browser.cookies.get(COOKIES.csrf)},
    )
    return confirm, done


def test_a_native_app_is_signed_out_to_its_private_use_scheme(components, browser):
    client = _signed_in_native(components, browser)
    confirm, done = _confirm_then_sign_out(browser, client, BYE)
    assert form_action(confirm) == BASE_FORM_ACTION | {"ca.gc.ircc.app:"}
    assert done.status_code == 303
    assert done.headers["location"] == BYE + "?state=s1"


def test_a_native_app_is_signed_out_to_its_loopback_uri_on_any_port(components, browser):
    client = _signed_in_native(components, browser)
    confirm, done = _confirm_then_sign_out(browser, client, "http://127.0.0.1:53127/signed-out")
    assert confirm.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert done.headers["location"] == "http://127.0.0.1:53127/signed-out?state=s1"


@pytest.mark.parametrize(
    "redirect_uri", ["ca.gc.ircc.app:/other", "http://127.0.0.1:53127/other", APP_URI]
)
def test_a_native_apps_unregistered_post_logout_uri_shows_a_page(components, browser, redirect_uri):
    client = _signed_in_native(components, browser)
    query = {"client_id": client.client_id, "post_logout_redirect_uri": redirect_uri}
    response = browser.get("/logout?" + urlencode(query))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert form_action(response) == BASE_FORM_ACTION


def test_a_web_clients_post_logout_uri_on_another_port_shows_a_page(components, browser):
    client, _ = make_client(components, post_logout_redirect_uris=["http://127.0.0.1:8101/bye"])
    query = {"client_id": client.client_id, "post_logout_redirect_uri": "http://127.0.0.1:9/bye"}
    response = browser.get("/logout?" + urlencode(query))
    assert response.status_code == 400
