"""A paid representative needs a second factor before accepting or acting (issue 7 item 11)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from consent import DelegationKind
from tests.factories.idp import connect, grant_delegation, make_account, make_representative
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    authorize_code,
    csrf_of,
    enable_totp,
    portal_client,
    portal_token,
    redeem,
    register_application,
    sign_in,
)

DETAILS = json.dumps(
    [{"type": "passerelle_application", "application": "P1", "actions": ["application.read"]}]
)
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"  # a URN


def _paid_delegation(components, portal):
    applicant, rep = make_account(components), make_account(components)
    make_representative(components, rep)  # an approved enrolment, not merely the role
    client, secret = portal_client(components)
    connect(components, applicant, client)
    application = register_application(
        portal, portal_token(portal, client, secret), applicant.subject, "P1"
    ).json()
    delegation = grant_delegation(
        components, applicant, rep, [application["id"]], kind=DelegationKind.REPRESENTATIVE_PAID
    )
    return rep, client, secret, delegation.id


def test_a_paid_representative_accepts_only_with_a_second_factor(components, app, portal, clock):
    rep, _, _, delegation_id = _paid_delegation(components, portal)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        sign_in(rep_browser, "/login", rep.email)  # a password only
        page = rep_browser.get("/account/delegations")
        refused = rep_browser.post(
            f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(page)}
        )
        assert refused.headers["location"].startswith("/account/step-up")
        enable_totp(rep_browser, clock.now().timestamp())  # proves a factor in this session
        accepted = rep_browser.post(
            f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(page)}
        )
    assert accepted.headers["location"] == "/account/delegations?notice=accepted"


def _exchange(portal, client, secret, subject_token):
    return portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": subject_token,
            "subject_token_type": ACCESS_TOKEN,
            "authorization_details": DETAILS,
        },
        auth=(client.client_id, secret),
    )


def _portal_token(browser, portal, client, secret, email):
    request = authorization_request(client.client_id, scope="openid")
    code = authorize_code(browser, request, email)["code"]
    return redeem(portal, code, request.verifier, client.client_id, secret).json()["access_token"]


def test_a_paid_representative_acts_only_with_a_token_from_a_second_factor_sign_in(
    components, app, portal, clock
):
    rep, client, secret, delegation_id = _paid_delegation(components, portal)
    base = {"base_url": "https://testserver", "follow_redirects": False}
    with TestClient(app, **base) as laptop, TestClient(app, **base) as phone:
        sign_in(laptop, "/login", rep.email)  # a password-only session, still open later
        sign_in(phone, "/login", rep.email)
        enable_totp(phone, clock.now().timestamp())
        page = phone.get("/account/delegations")
        phone.post(
            f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(page)}
        )
        weak = _portal_token(laptop, portal, client, secret, rep.email)
        strong = _portal_token(phone, portal, client, secret, rep.email)
    refused = _exchange(portal, client, secret, weak)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    assert "second-factor" in refused.json()["error_description"]
    assert _exchange(portal, client, secret, strong).status_code == 200
