"""Delegation seen from the sample portal: an applicant appoints a representative at
Passerelle (console pages, second-factor step-up), the representative acts for them at
the portal by token exchange, and the portal receives the delegation's events."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sample_portal.portal_api import sample_application_number
from tests.e2e.servers import browser_client
from tests.idp.flows import csrf_of, enable_totp
from tests.sample_portal.journeys import (
    Person,
    create_person,
    sign_in_at_portal,
    text_of,
    wait_until,
)

pytestmark = pytest.mark.e2e
ACTIONS = ["application.read", "documents.upload"]


def _step_up_with_a_recovery_code(browser: httpx.Client, code: str, return_to: str) -> None:
    start = browser.get(f"/account/step-up?return={return_to}")
    assert start.headers["location"] == "/login/second-factor"
    page = browser.get("/login/second-factor?method=recovery")
    done = browser.post(
        "/login/second-factor",
        data={"method": "recovery", "code": code, "csrf_token": csrf_of(page)},
    )
    assert done.headers["location"] == return_to, done.text[-800:]


def _appoint(browser: httpx.Client, representative: Person, number: str) -> None:
    """The applicant's side, at Passerelle: a second factor, then the appointment form."""
    _, recovery_codes = enable_totp(browser, time.time())
    _step_up_with_a_recovery_code(browser, recovery_codes[0], "/account/representatives/new")
    form = browser.get("/account/representatives/new")
    (application_id,) = re.findall(
        rf'name="applications" value="(\w+)"[^>]*>\s*<label[^>]*>[^<]*{number}', form.text
    )
    granted = browser.post(
        "/account/representatives/new",
        data={
            "email": representative.email,
            "kind": "representative_unpaid",
            "applications": application_id,
            "actions": ACTIONS,
            "valid_until": (datetime.now(UTC) + timedelta(days=90)).date().isoformat(),
            "csrf_token": csrf_of(form),
        },
    )
    assert granted.headers["location"] == "/account/representatives?notice=granted"


def _accept(browser: httpx.Client) -> None:
    mine = browser.get("/account/delegations")
    (delegation_id,) = re.findall(r"/account/delegations/([0-9a-f]{32})/accept", mine.text)
    accepted = browser.post(
        f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(mine)}
    )
    assert accepted.headers["location"] == "/account/delegations?notice=accepted"


def _act(browser: httpx.Client, portal_url: str, number: str, actions: list[str]):
    form = browser.get(f"{portal_url}/act")
    return browser.post(
        f"{portal_url}/act",
        data={"application_number": number, "actions": actions, "csrf_token": csrf_of(form)},
    )


def _revoke_all(browser: httpx.Client) -> None:
    listing = browser.get("/account/representatives")
    (delegation_id,) = set(
        re.findall(r"/account/representatives/([0-9a-f]{32})/revoke", listing.text)
    )
    revoked = browser.post(
        f"/account/representatives/{delegation_id}/revoke", data={"csrf_token": csrf_of(listing)}
    )
    assert revoked.headers["location"] == "/account/representatives?notice=revoked"


def test_a_representative_acts_for_a_client_until_the_client_revokes(world):
    portal = world.portal.url
    applicant = create_person(world.provider, "Amara Okafor")
    representative = create_person(world.provider, "Rep Lee")
    number = sample_application_number("S", applicant.sub)
    with (
        browser_client(world.provider.url) as applicant_browser,
        browser_client(world.provider.url) as rep_browser,
    ):
        sign_in_at_portal(applicant_browser, portal, applicant)  # files the applications
        _appoint(applicant_browser, representative, number)
        sign_in_at_portal(rep_browser, portal, representative)
        _accept(rep_browser)

        acted = _act(rep_browser, portal, number, ACTIONS)
        assert acted.status_code == 200, acted.text[-1500:]
        assert text_of(acted.text, "delegated-sub") == applicant.sub
        assert text_of(acted.text, "delegated-actor") == representative.sub
        assert f"&#34;application&#34;: &#34;{number}&#34;" in acted.text
        assert "&#34;active&#34;: true" in acted.text
        assert acted.text.count("<td>yes</td>") == len(ACTIONS)

        refused = _act(rep_browser, portal, number, ["payment.make"])
        assert refused.status_code == 400
        assert "invalid_authorization_details" in refused.text

        _revoke_all(applicant_browser)
        assert wait_until(lambda: "revoked" in rep_browser.get(f"{portal}/events").text)
        events = rep_browser.get(f"{portal}/events").text
        assert number in events
        after = _act(rep_browser, portal, number, ["application.read"])
        assert after.status_code == 400
