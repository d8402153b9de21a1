"""The page templates, served by a tiny app on loopback, pass axe in Chromium, EN and FR.

No database, no sessions: `tests.idp.http.demo_pages.demo_app` renders each template
with the view model its route passes, behind the real CSP.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.idp.http.demo_pages import TABLE_PAGES, demo_app

pytestmark = pytest.mark.browser
PATHS = [
    "/login",
    "/login?error_code=invalid_credentials&email=ana@example.ca&client_name=Portail",
    "/consent",
    "/logout",
    "/logged-out",
    "/error",
    "/account",
]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        demo_app(), lifespan="off", ws="none", http="h11", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the demo server did not start"
        time.sleep(0.02)
    yield f"http://localhost:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("path", PATHS)
def test_template_is_accessible(page, base_url, path, lang):
    csp_errors = _csp_errors(page)
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{base_url}{path}{separator}lang={lang}")
    assert response is not None
    assert page.locator("html").get_attribute("lang") == lang
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)
    assert csp_errors == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_language_switch_leads_to_the_other_language(page, base_url, lang):
    other, label = ("fr", "Français") if lang == "en" else ("en", "English")
    page.goto(f"{base_url}/login?lang={lang}&interaction=int-7")
    page.get_by_role("link", name=label).click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    assert "interaction=int-7" in page.url
    page.goto(f"{base_url}/logged-out")  # the choice is remembered by the cookie
    assert page.locator("html").get_attribute("lang") == other


def test_the_skip_link_is_the_first_stop_and_visible_when_focused(page, base_url):
    page.goto(f"{base_url}/login")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.get_attribute("href") == "#main"
    assert focused.is_visible()
    box = focused.bounding_box()
    assert box is not None
    assert box["x"] >= 0


@pytest.mark.parametrize(
    "path",
    [
        "/login?lang=fr&error_code=rate_limited&retry_after_seconds=600",
        "/consent?lang=fr",
        # Wide tables scroll inside a focusable, named region, never the page.
        *(f"{path}?lang=fr" for path in TABLE_PAGES),
    ],
)
def test_pages_fit_a_320_pixel_wide_screen(browser, base_url, path):
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="fr-CA")
    try:
        page = context.new_page()
        page.goto(f"{base_url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_error_summary_takes_the_focus_when_the_page_opens(page, base_url, lang):
    """A keyboard or screen reader user starts at the list of problems (WCAG 3.3.1)."""
    page.goto(f"{base_url}/login?lang={lang}&error_code=invalid_credentials&email=a@example.ca")
    expect(page.locator(".error-summary")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is the summary's first link
    expect(page.locator(".error-summary a").first).to_be_focused()
