"""A person signs in to a portal through the real pages in headless Chromium, EN and FR."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.idp.flows import authorization_request, query_of

pytestmark = pytest.mark.browser
PASSWORD = "browser long password"


@pytest.fixture(scope="module")
def registered(idp_server):
    email = f"web-{secrets.token_hex(4)}@example.ca"
    idp_server.cli(
        "users", "create", "--email", email, "--password", PASSWORD, "--name", "Nadia Haddad"
    )
    client = idp_server.cli(
        "clients",
        "create",
        "--name",
        "Portail de démonstration",
        "--redirect-uri",
        "https://portal.example/callback",
    )
    return email, client


def _capture_redirect(page):
    """Stop at the portal: the browser never leaves loopback."""
    seen = []

    def handle(route):
        seen.append(route.request.url)
        route.fulfill(status=200, body="portal", content_type="text/plain")

    page.route("https://portal.example/**", handle)
    return seen


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_person_signs_in_and_consents_through_the_pages(page, idp_server, registered, lang):
    email, client = registered
    seen = _capture_redirect(page)
    request = authorization_request(str(client["client_id"]), ui_locales=lang, prompt="consent")
    page.goto(f"{idp_server.url}/authorize?{request.query}")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    sign_in = "Sign in" if lang == "en" else "Se connecter"
    page.get_by_label("Email address" if lang == "en" else "Adresse courriel").fill(email)
    page.get_by_label("Password" if lang == "en" else "Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name=sign_in, exact=True).click()
    allow = "Allow" if lang == "en" else "Autoriser"
    expect(page.get_by_role("button", name=allow)).to_be_visible()
    assert_accessible(page)  # the consent page
    page.get_by_role("button", name=allow).click()
    page.wait_for_url("https://portal.example/**")
    result = query_of(seen[-1])
    assert result["state"] == request.params["state"]
    assert result["code"]


def test_wrong_password_shows_an_accessible_error_next_to_the_field(page, idp_server, registered):
    email, _ = registered
    page.goto(f"{idp_server.url}/login?lang=fr")
    page.get_by_label("Adresse courriel").fill(email)
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()  # waits for the answer to the post
    assert "incorrect" in page.get_by_role("alert").inner_text().lower()
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    assert page.locator("#email").input_value() == email
    assert_accessible(page)


def test_language_switch_keeps_the_request(page, idp_server, registered):
    _, client = registered
    request = authorization_request(str(client["client_id"]))
    page.goto(f"{idp_server.url}/authorize?{request.query}")
    page.get_by_role("link", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert "interaction=" in page.url
    assert page.get_by_role("button", name="Se connecter", exact=True).is_visible()


def test_error_page_is_accessible(page, idp_server):
    page.goto(f"{idp_server.url}/authorize?client_id=unknown&response_type=code")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)
