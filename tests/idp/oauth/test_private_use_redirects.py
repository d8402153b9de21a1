"""RFC 8252 §7.1 through the app: a native client's code (or refusal) reaches its private-use
URI scheme, and the pages whose form ends there allow exactly that scheme in `form-action`."""

from __future__ import annotations

import pytest

from idp.http.security_headers import CONTENT_SECURITY_POLICY
from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    BASE_FORM_ACTION,
    authorization_request,
    consent_form,
    form_action,
    query_of,
    redeem,
    sign_in,
    switch_language,
)

APP_URI = "ca.gc.ircc.app:/oauth2redirect"
APP_SCHEME = "ca.gc.ircc.app:"


def _native_client(components, *uris: str):
    client, _ = make_client(
        components,
        application_type="native",
        auth_method="none",
        redirect_uris=list(uris or (APP_URI,)),
    )
    return client


def _consent_page(components, browser, client, redirect_uri: str = APP_URI):
    """Sign in for an authorization request; the consent page, the request and the sign-in
    page it went through."""
    account = make_account(components)
    request = authorization_request(client.client_id, redirect_uri=redirect_uri)
    first = browser.get("/authorize?" + request.query)
    assert first.status_code == 303, first.text[:500]
    login = browser.get(first.headers["location"])
    signed_in = sign_in(browser, first.headers["location"], account.email)
    assert signed_in.status_code == 303, signed_in.text[:500]
    page = browser.get(signed_in.headers["location"])
    assert page.status_code == 200, page.text[:500]
    assert 'name="decision"' in page.text, page.text[:500]
    return page, request, login


def test_a_native_app_gets_its_code_on_its_private_use_scheme_with_pkce(
    components, browser, portal
):
    client = _native_client(components)
    page, request, login = _consent_page(components, browser, client)
    assert form_action(page) == BASE_FORM_ACTION | {APP_SCHEME}
    assert form_action(login) == BASE_FORM_ACTION | {APP_SCHEME}
    answer = browser.post("/authorize/consent", data=consent_form(page))
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(APP_URI + "?")
    result = query_of(location)
    assert result["state"] == request.params["state"]
    assert result["iss"]
    code = result["code"]
    token = redeem(portal, code, request.verifier, client.client_id, None, redirect_uri=APP_URI)
    assert token.status_code == 200, token.text
    assert "id_token" in token.json()


@pytest.mark.parametrize(
    "redirect_uri", ["ca.gc.ircc.app:/other", "com.example.app:/oauth2redirect"]
)
def test_the_code_is_refused_with_another_uri_at_the_token_endpoint(
    components, browser, portal, redirect_uri
):
    client = _native_client(components)
    page, request, _ = _consent_page(components, browser, client)
    answer = browser.post("/authorize/consent", data=consent_form(page))
    code = query_of(answer.headers["location"])["code"]
    token = redeem(
        portal, code, request.verifier, client.client_id, None, redirect_uri=redirect_uri
    )
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


def test_a_refusal_reaches_the_private_use_scheme(components, browser):
    client = _native_client(components)
    page, _, _ = _consent_page(components, browser, client)
    answer = browser.post("/authorize/consent", data=consent_form(page, "deny"))
    assert answer.status_code == 302
    assert answer.headers["location"].startswith(APP_URI + "?")
    assert query_of(answer.headers["location"])["error"] == "access_denied"


def test_the_sign_in_page_shown_again_in_the_other_language_keeps_the_scheme(components, browser):
    client = _native_client(components)
    request = authorization_request(client.client_id, redirect_uri=APP_URI)
    login_url = browser.get("/authorize?" + request.query).headers["location"]
    refused = sign_in(browser, login_url, "nobody@example.ca", "wrong password 123")
    assert refused.status_code == 401
    assert form_action(refused) == BASE_FORM_ACTION | {APP_SCHEME}
    switched = switch_language(browser, refused)
    assert switched.headers["content-language"] == "fr"
    assert form_action(switched) == BASE_FORM_ACTION | {APP_SCHEME}


def test_a_native_apps_loopback_request_and_web_clients_keep_the_services_policy(
    components, browser
):
    native = _native_client(components, APP_URI, "http://127.0.0.1/cb")
    page, _, login = _consent_page(components, browser, native, "http://127.0.0.1:53127/cb")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert login.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    web, _ = make_client(components)
    browser.cookies.clear()
    page, _, _ = _consent_page(components, browser, web, web.redirect_uris[0])
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("registered", ["https://portal.example/cb", APP_URI])
def test_an_unregistered_private_use_uri_shows_a_page(components, browser, registered):
    if registered == APP_URI:
        client = _native_client(components, APP_URI)
    else:
        client, _ = make_client(components, redirect_uris=[registered])
    request = authorization_request(client.client_id, redirect_uri="com.evil.app:/oauth2redirect")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert form_action(response) == BASE_FORM_ACTION


def test_the_token_endpoint_keeps_the_services_policy(components, browser, portal):
    client = _native_client(components)
    page, request, _ = _consent_page(components, browser, client)
    answer = browser.post("/authorize/consent", data=consent_form(page))
    code = query_of(answer.headers["location"])["code"]
    token = redeem(portal, code, request.verifier, client.client_id, None, redirect_uri=APP_URI)
    assert token.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_the_second_factor_page_of_the_request_allows_the_scheme(components, browser, clock):
    from idp.authn.totp import current_code
    from tests.idp.authn.totp_journeys import sign_out, signed_in_with_totp
    from tests.idp.flows import csrf_of

    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
    client = _native_client(components)
    request = authorization_request(client.client_id, redirect_uri=APP_URI)
    first = browser.get("/authorize?" + request.query)
    after_password = sign_in(browser, first.headers["location"], account.email)
    assert after_password.headers["location"] == "/login/second-factor"
    page = browser.get("/login/second-factor")
    assert form_action(page) == BASE_FORM_ACTION | {APP_SCHEME}
    clock.advance(30)
    code = current_code(secret, clock.now().timestamp())
    done = browser.post(
        "/login/second-factor",
        data={"method": "totp", "code": code, "csrf_token": csrf_of(page)},
    )
    consent = browser.get(done.headers["location"])
    assert form_action(consent) == BASE_FORM_ACTION | {APP_SCHEME}
