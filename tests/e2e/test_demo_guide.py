"""The walk-through `idp demo` prints, followed step by step against the running demo:
single sign-on across two portals, the applications, acting as a representative at a
portal, a revoke the portal sees at once, and single logout."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from idp.authn.totp import current_code
from idp.demo.seed import APPLICANT, DEMO_PASSWORD, DEMO_TOTP_SEED, REPRESENTATIVE
from tests.e2e.servers import browser_client
from tests.e2e.test_demo import Demo, start_demo
from tests.idp.flows import csrf_of, follow_to_redirect_uri, sign_in
from tests.sample_portal.journeys import (
    is_signed_in_at_portal,
    portal_csrf,
    revoke_appointment,
    text_of,
    wait_until,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    running = start_demo(tmp_path_factory.mktemp("demo-guide"))
    yield running
    running.stop()


def _sign_in_at(browser: httpx.Client, portal: str, email: str, totp: bool = False) -> None:
    """The portal's "Sign in with Passerelle", with a TOTP code when the account has one."""
    asked = browser.get(browser.get(f"{portal}/login").headers["location"])
    response = asked
    if asked.headers["location"].startswith("/login"):
        response = sign_in(browser, asked.headers["location"], email, DEMO_PASSWORD)
    if totp:
        assert response.headers["location"] == "/login/second-factor"
        page = browser.get("/login/second-factor")
        code = current_code(DEMO_TOTP_SEED, time.time() + 30)  # the seeding used this step
        response = browser.post(
            "/login/second-factor",
            data={"method": "totp", "code": code, "csrf_token": csrf_of(page)},
        )
    back = follow_to_redirect_uri(browser, response)
    assert back.headers["location"].startswith(f"{portal}/callback?"), back.text[-500:]
    assert browser.get(back.headers["location"]).status_code == 303


def _act(browser: httpx.Client, portal: str, number: str, action: str) -> httpx.Response:
    form = browser.get(f"{portal}/act")
    return browser.post(
        f"{portal}/act",
        data={"application_number": number, "actions": [action], "csrf_token": csrf_of(form)},
    )


def test_single_sign_on_then_acting_revoking_and_single_logout(demo):
    ircc, pr = demo.portal(0), demo.portal(1)
    with browser_client(demo.issuer) as amara, browser_client(demo.issuer) as rep:
        # 1. Single sign-on: the second portal asks for no password.
        _sign_in_at(amara, ircc, APPLICANT.email)
        start = amara.get(amara.get(f"{pr}/login").headers["location"])
        assert start.headers["location"].startswith(f"{pr}/callback?")
        amara.get(start.headers["location"])
        assert is_signed_in_at_portal(amara, pr)
        amara_sub = text_of(amara.get(f"{ircc}/").text, "sub")
        # 2. Applications, at Passerelle and at the PR portal (its own portal API token).
        assert "E000123" in amara.get("/account/applications").text
        assert "V000321" in amara.get("/account/household").text  # what Kofi shares with her
        assert "R000777" in amara.get(f"{pr}/applications").text
        # 4. The representative acts at the IRCC Portal after a second factor.
        _sign_in_at(rep, ircc, REPRESENTATIVE.email, totp=True)
        acted = _act(rep, ircc, "E000123", "documents.upload")
        assert acted.status_code == 200, acted.text[-1500:]
        assert text_of(acted.text, "delegated-sub") == amara_sub
        # 5. Revoke: refused at once, and the portal receives the event.
        revoke_appointment(amara)
        assert _act(rep, ircc, "E000123", "documents.upload").status_code == 400
        assert wait_until(lambda: "delegation-revoked" in rep.get(f"{ircc}/events").text)
        # 6. Single logout: signing out at one portal signs out at the other.
        out = amara.post(f"{ircc}/logout", data={"csrf_token": portal_csrf(amara, ircc)})
        amara.get(out.headers["location"])
        assert wait_until(lambda: not is_signed_in_at_portal(amara, pr))
