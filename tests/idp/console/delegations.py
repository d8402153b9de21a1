"""Journeys the delegation page tests share: an applicant with an application at a
portal and an authenticator app, a step-up before appointing, an accepted delegation."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.factories.idp import connect, make_account
from tests.idp.flows import (
    csrf_of,
    enable_totp,
    portal_client,
    portal_token,
    register_application,
    sign_in,
    step_up,
)

APPOINT = "/account/representatives/new"  # where a step-up before appointing returns


def applicant_with_application(components, portal, browser, clock):
    applicant = make_account(components, name="Amara Okafor")
    client, secret = portal_client(components, name="IRCC Portal")
    token = portal_token(portal, client, secret)
    connect(components, applicant, client)
    application = register_application(
        portal,
        token,
        applicant.subject,
        "E123456",
        unread_count=2,
        deep_link="https://portal.example/E123456",
    ).json()
    sign_in(browser, "/login", applicant.email)
    secret_totp, _ = enable_totp(browser, clock.now().timestamp())
    return applicant, application, secret_totp


def active_delegation(components, app, portal, browser, clock, actions, until=None):
    """An accepted delegation `until` the day typed (`YYYY-MM-DD`; in 90 days by default)."""
    _applicant, application, secret_totp = applicant_with_application(
        components, portal, browser, clock
    )
    rep = make_account(components, name="Rep Lee")
    step_up(browser, clock, secret_totp, APPOINT)
    page = browser.get("/account/representatives/new")
    browser.post(
        "/account/representatives/new",
        data={
            "email": rep.email,
            "kind": "representative_unpaid",
            "applications": application["id"],
            "actions": actions,
            "valid_until": until or (clock.now() + timedelta(days=90)).date().isoformat(),
            "csrf_token": csrf_of(page),
        },
    )
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        sign_in(rep_browser, "/login", rep.email)
        mine = rep_browser.get("/account/delegations")
        (delegation_id,) = re.findall(r"/account/delegations/([0-9a-f]{32})/accept", mine.text)
        rep_browser.post(
            f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(mine)}
        )
    return application, delegation_id, rep
