"""Delegation seen from the sample portal: an applicant appoints a representative at
Passerelle (console pages, second-factor step-up), the representative acts for them at
the portal by token exchange, and the portal receives the delegation's events."""

from __future__ import annotations

import httpx
import pytest

from sample_portal.portal_api import sample_application_number
from tests.e2e.servers import browser_client
from tests.idp.flows import csrf_of
from tests.sample_portal.journeys import (
    accept_appointment,
    appoint,
    create_person,
    revoke_appointment,
    sign_in_at_portal,
    text_of,
    wait_until,
)

pytestmark = pytest.mark.e2e
ACTIONS = ["application.read", "documents.upload"]


def _act(browser: httpx.Client, portal_url: str, number: str, actions: list[str]):
    form = browser.get(f"{portal_url}/act")
    return browser.post(
        f"{portal_url}/act",
        data={"application_number": number, "actions": actions, "csrf_token": csrf_of(form)},
    )


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
        appoint(applicant_browser, representative, number, ACTIONS)
        sign_in_at_portal(rep_browser, portal, representative)
        accept_appointment(rep_browser)

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

        revoke_appointment(applicant_browser)
        assert wait_until(lambda: "revoked" in rep_browser.get(f"{portal}/events").text)
        events = rep_browser.get(f"{portal}/events").text
        assert number in events
        after = _act(rep_browser, portal, number, ["application.read"])
        assert after.status_code == 400
