"""A native app's private-use redirects (RFC 8252 §7.1) in headless Chromium.

Chromium checks a page's CSP `form-action` on every redirect after a form submission:
without `ca.gc.ircc.app:` in the policy of the page holding the form, the consent (or
sign-in, or sign-out) form's answer is refused with a CSP error and the app never gets its
code. Headless Chromium has no handler for the scheme, so the navigation is aborted
(`net::ERR_ABORTED`) once attempted: the test sees the attempt as a request for the URI."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

import pytest

from tests.idp.flows import authorization_request, query_of

pytestmark = pytest.mark.browser
PASSWORD = "browser long password"
APP_URI = "ca.gc.ircc.app:/oauth2redirect"
BYE = "ca.gc.ircc.app:/signed-out"


@pytest.fixture(scope="module")
def native_apps(idp_server):
    """A person, and two native apps: one asks for consent, one is first-party (none)."""
    email = f"app-{secrets.token_hex(4)}@example.ca"
    idp_server.cli("users", "create", "--email", email, "--password", PASSWORD, "--name", "Ana")
    ids = []
    for name, extra in (("IRCC app", []), ("IRCC office app", ["--first-party"])):
        client = idp_server.cli(
            "clients", "create", "--name", name, "--redirect-uri", APP_URI,
            "--post-logout-redirect-uri", BYE, "--auth-method", "none",
            "--application-type", "native", *extra,
        )  # fmt: skip
        ids.append(str(client["client_id"]))
    return email, ids[0], ids[1]


def _watch(page):
    """The app's URIs Chromium tried to open, and the CSP errors it reported."""
    attempts, csp_errors = [], []
    page.on("request", lambda r: attempts.append(r.url) if r.url.startswith("ca.gc.") else None)
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return attempts, csp_errors


def _sign_in(page, base: str, client_id: str, email: str, **extra: str):
    request = authorization_request(client_id, redirect_uri=APP_URI, **extra)
    page.goto(f"{base}/authorize?{request.query}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    return request


def _wait_for(page, attempts: list[str]) -> str:
    for _ in range(150):
        if attempts:
            return attempts[-1]
        page.wait_for_timeout(100)
    raise AssertionError(f"Chromium never tried the app's URI; it is at {page.url}")


@pytest.mark.parametrize("decision", ["Allow", "Deny"])
def test_the_consent_forms_answer_reaches_the_apps_scheme(page, idp_server, native_apps, decision):
    email, client_id, _ = native_apps
    attempts, csp_errors = _watch(page)
    # Asked each time: another test may have allowed this app already.
    request = _sign_in(page, idp_server.url, client_id, email, prompt="consent")
    page.get_by_role("button", name=decision).click()
    result = query_of(_wait_for(page, attempts))
    assert attempts[-1].startswith(APP_URI + "?")
    assert result["state"] == request.params["state"]
    assert ("code" in result) == (decision == "Allow")
    assert result.get("error", "access_denied") == "access_denied"
    assert csp_errors == []


def test_the_sign_in_forms_answer_reaches_a_first_party_apps_scheme(page, idp_server, native_apps):
    email, _, first_party = native_apps
    attempts, csp_errors = _watch(page)
    request = _sign_in(page, idp_server.url, first_party, email)
    result = query_of(_wait_for(page, attempts))  # no consent page: straight to the app
    assert result["state"] == request.params["state"]
    assert result["code"]
    assert csp_errors == []


def test_the_sign_out_confirmation_reaches_the_apps_scheme(page, idp_server, native_apps):
    email, _, first_party = native_apps
    signed_in, _ = _watch(page)
    _sign_in(page, idp_server.url, first_party, email)
    _wait_for(page, signed_in)
    # A new tab of the same browser: the first one ended on an aborted navigation.
    tab = page.context.new_page()
    attempts, csp_errors = _watch(tab)
    query = {"client_id": first_party, "post_logout_redirect_uri": BYE, "state": "s1"}
    tab.goto(f"{idp_server.url}/logout?{urlencode(query)}")
    tab.get_by_role("button", name="Sign out").click()
    assert _wait_for(tab, attempts) == BYE + "?state=s1"
    assert csp_errors == []
