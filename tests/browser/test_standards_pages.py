"""Pages that must work under the service's CSP in a real browser: `/api/docs` (Swagger UI
from our own assets) and the front-channel logout page (frames, then on to the portal)."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import assert_accessible
from tests.idp.flows import authorization_request

pytestmark = pytest.mark.browser
PASSWORD = "browser long password"
PORTAL = "https://portal.example"


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


def _portal(page) -> list[str]:
    """Stand in for the portal: every request to it is answered here and remembered."""
    seen: list[str] = []

    def answer(route):
        seen.append(route.request.url)
        route.fulfill(status=200, body="<p>portal</p>", content_type="text/html")

    page.route(f"{PORTAL}/**", answer)
    return seen


def test_api_docs_render_the_operations_under_the_csp(page, idp_server):
    csp_errors = _csp_errors(page)
    page.goto(f"{idp_server.url}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.locator(".opblock").count() >= 3  # register, update, list, decide
    assert page.get_by_text("/api/applications").first.is_visible()
    assert csp_errors == []


def test_api_docs_page_around_swagger_ui_is_accessible(page, idp_server):
    page.goto(f"{idp_server.url}/api/docs")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)
    assert page.get_by_role("heading", level=1, name="Portal API").is_visible()
    # Swagger UI's own markup fails axe (nested-interactive in operation summaries, contrast
    # of its version stamp): upstream's to fix; our page around it must pass.
    assert_accessible(page, exclude=["#swagger-ui"])


@pytest.fixture(scope="module")
def signed_in_portal(idp_server):
    email = f"fc-{secrets.token_hex(4)}@example.ca"
    idp_server.cli("users", "create", "--email", email, "--password", PASSWORD, "--name", "Li Wei")
    client = idp_server.cli(
        "clients",
        "create",
        "--name",
        f"Front-channel portal {secrets.token_hex(2)}",
        "--redirect-uri",
        f"{PORTAL}/callback",
        "--post-logout-redirect-uri",
        f"{PORTAL}/signed-out",
        "--frontchannel-logout-uri",
        f"{PORTAL}/oidc/frontchannel-logout",
        "--frontchannel-logout-session-required",
        "--first-party",
    )
    return email, str(client["client_id"])


def test_logout_frames_the_portal_then_continues_to_it(page, idp_server, signed_in_portal):
    email, client_id = signed_in_portal
    seen = _portal(page)
    csp_errors = _csp_errors(page)
    page.goto(f"{idp_server.url}/authorize?{authorization_request(client_id).query}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{PORTAL}/callback**")
    page.goto(
        f"{idp_server.url}/logout?client_id={client_id}"
        f"&post_logout_redirect_uri={PORTAL}/signed-out&state=bye"
    )
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{PORTAL}/signed-out?state=bye", timeout=15_000)
    frames = [url for url in seen if url.startswith(f"{PORTAL}/oidc/frontchannel-logout")]
    assert len(frames) == 1
    assert "sid=" in frames[0]
    assert "iss=" in frames[0]
    assert csp_errors == []
