"""Our cookies carry the `__Host-` prefix when they are `Secure` (the default), the plain
names in plain-http development (`IDP_COOKIE_SECURE=false`), and the browser journeys work
both ways (`idp.http.cookies`).

A `__Host-` cookie is kept by the browser only if it is `Secure`, has `Path=/` and no
`Domain`: a sibling subdomain cannot plant one (cookie tossing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from idp.http.cookies import PLAIN_NAMES, CookieNames, cookie_names
from idp.settings import Settings
from tests.conftest import Backend, make_settings
from tests.factories.idp import make_account
from tests.idp.flows import enable_totp, sign_in, step_up, switch_language


@pytest.fixture(params=[True, False], ids=["secure", "plain-http"])
def secure(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def settings(
    backend: Backend, database_url: str, tmp_path: Path, smtp_inbox: tuple[str, object], secure
) -> Settings:
    return make_settings(
        backend, database_url, tmp_path, smtp_url=smtp_inbox[0], cookie_secure=secure
    )


@pytest.fixture
def browser(app: FastAPI, secure: bool) -> Iterator[TestClient]:
    base_url = "https://testserver" if secure else "http://testserver"
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:
        yield client


def _set_cookies(response) -> dict[str, list[str]]:
    """Each cookie the response sets, by name: its attributes, as sent."""
    cookies = {}
    for key, value in response.headers.multi_items():
        if key == "set-cookie":
            name, *attributes = [part.strip() for part in value.split(";")]
            cookies[name.split("=", 1)[0]] = attributes
    return cookies


def _assert_well_formed(cookies: dict[str, list[str]], names: CookieNames, secure: bool) -> None:
    assert cookies
    for name, attributes in cookies.items():
        assert name in names.all(), name
        lowered = [attribute.lower() for attribute in attributes]
        assert "path=/" in lowered, (name, attributes)
        assert not any(attribute.startswith("domain") for attribute in lowered), name
        if secure:
            assert name.startswith("__Host-"), name
            assert "secure" in lowered, (name, attributes)
        else:
            assert not name.startswith("__Host-"), name


def test_the_cookies_of_a_form_page_and_of_a_sign_in_carry_the_prefix_only_when_secure(
    components, browser, secure
):
    names = cookie_names(secure=secure)
    assert (names == PLAIN_NAMES) is not secure
    account = make_account(components, locale="fr")
    page = browser.get("/login")
    assert list(_set_cookies(page)) == [names.csrf]
    _assert_well_formed(_set_cookies(page), names, secure)
    signed_in = sign_in(browser, "/login", account.email)
    assert signed_in.status_code == 303, signed_in.text
    cookies = _set_cookies(signed_in)
    assert {names.session, names.pending, names.locale} <= set(cookies)
    _assert_well_formed(cookies, names, secure)
    assert browser.cookies.get(names.session)


def test_sign_in_forms_second_factor_and_sign_out_work_in_both_modes(
    components, browser, clock, secure
):
    names = cookie_names(secure=secure)
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    assert browser.get("/account").status_code == 200
    secret, _ = enable_totp(browser, clock.now().timestamp())  # a form; a new session cookie
    start = browser.get("/account/step-up?return=/account/representatives/new")
    _assert_well_formed(_set_cookies(start), names, secure)  # the pending sign-in's cookie
    step_up(browser, clock, secret, "/account/representatives/new")
    page = browser.get("/account/representatives/new")
    assert page.status_code == 200
    assert 'lang="fr"' in switch_language(browser, page).text
    assert browser.cookies.get(names.locale) == "fr"
    signed_out = browser.post("/logout", data={"csrf_token": browser.cookies.get(names.csrf)})
    assert signed_out.status_code in (200, 303), signed_out.text
    assert _set_cookies(signed_out)[names.session]  # deleted
    _assert_well_formed(_set_cookies(signed_out), names, secure)
    assert browser.get("/account").headers["location"] == "/login"


def test_a_browser_holding_the_plain_cookies_of_an_earlier_version_is_told_to_drop_them(
    components, browser, secure
):
    account = make_account(components)
    for name in PLAIN_NAMES.all():
        browser.cookies.set(name, "from-an-earlier-version")
    page = browser.get("/login")
    dropped = {name for name, attributes in _set_cookies(page).items() if "Max-Age=0" in attributes}
    assert dropped == (set(PLAIN_NAMES.all()) if secure else set())
    for attributes in _set_cookies(page).values():
        assert not any(attribute.lower().startswith("domain") for attribute in attributes)
    if secure:  # the old session cookie signs nobody in; signing in again works
        assert browser.get("/account").headers["location"] == "/login"
        assert sign_in(browser, "/login", account.email).status_code == 303
        assert browser.get("/account").status_code == 200
