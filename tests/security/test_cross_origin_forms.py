"""Forms refuse what the browser says came from another origin, even with a planted cookie.

A sibling host of the same site can plant the CSRF cookie (`Domain=` on the parent domain)
and SameSite does not stop it from posting, so the token alone is not enough: the fetch
metadata and the `Origin` header are checked too (`idp.http.csrf.refuse_cross_origin`).
"""

from __future__ import annotations

import json

import pytest

from idp.authn.web import safe_return_path
from tests.factories.idp import DEFAULT_PASSWORD, make_account
from tests.idp.flows import COOKIES

PLANTED = "E" * 43  # a token of the attacker's choosing, planted as the browser's cookie


def _sign_in(browser, account, **headers):
    browser.cookies.set(COOKIES.csrf, PLANTED)
    return browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": PLANTED},
        headers=headers,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling host: same site, another origin
        {"Origin": "https://evil.example"},
        {"Origin": "https://sibling.testserver"},
        {"Origin": "http://testserver"},  # another scheme is another origin
    ],
)
def test_a_form_from_another_origin_is_refused_even_with_a_matching_token(
    components, browser, headers
):
    account = make_account(components)
    response = _sign_in(browser, account, **headers)
    assert response.status_code == 400
    assert "This request cannot be completed" in response.text
    assert COOKIES.session not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize(
    "headers",
    [
        {},  # an older browser: the token decides
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://testserver"},
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked
        {"Origin": "null"},  # what browsers send under Referrer-Policy: no-referrer
    ],
)
def test_a_form_from_this_origin_is_accepted(components, browser, headers):
    account = make_account(components)
    response = _sign_in(browser, account, **headers)
    assert response.status_code == 303, response.text[:300]
    assert f"{COOKIES.session}=" in response.headers.get("set-cookie", "")


def test_a_passkey_call_from_another_site_is_refused_as_a_problem(browser):
    browser.get("/login")
    token = browser.cookies.get(COOKIES.csrf)
    response = browser.post(
        "/webauthn/authenticate/options",
        content=json.dumps({}),
        headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "another site" in response.json()["detail"]


def test_a_form_that_cannot_be_read_names_the_field_and_its_limit(components, browser):
    account = make_account(components)
    browser.get("/login")
    token = browser.cookies.get(COOKIES.csrf)
    response = browser.post(
        "/login",
        data={"email": account.email, "password": "x" * 5000, "csrf_token": token},
    )
    assert response.status_code == 400
    assert "This form could not be read" in response.text
    assert "parameter &#39;password&#39; exceeds 4096 characters" in response.text
    french = browser.post(
        "/login?lang=fr",
        data={"email": account.email, "password": "x" * 5000, "csrf_token": token},
        headers={"Accept-Language": "fr-CA"},
    )
    assert "Ce formulaire n’a pas pu être lu" in french.text


@pytest.mark.parametrize(
    "target", ["/\t/evil.example", "/\n/evil.example", "/ /evil.example", "/\u3000/evil.example"]
)
def test_a_return_path_with_whitespace_falls_back_to_the_account(target):
    assert safe_return_path(target) == "/account"


def test_the_step_up_page_never_links_off_site(components, browser):
    account = make_account(components)
    browser.get("/login")
    browser.post(
        "/login",
        data={
            "email": account.email,
            "password": DEFAULT_PASSWORD,
            "csrf_token": browser.cookies.get(COOKIES.csrf),
        },
    )
    page = browser.get("/account/step-up", params={"return": "/\t/evil.example"})
    assert page.status_code == 200
    assert 'href="/\t/evil.example"' not in page.text
    assert 'href="/account"' in page.text
