"""The portal API cannot reach past its own applicants (issue 7 item 6): links stay on the
portal's own site; "all applications" in the appointment form means all of them at that
portal, today's and tomorrow's."""

from __future__ import annotations

import re

import pytest

from tests.factories.idp import connect, make_account
from tests.idp.flows import (
    csrf_of,
    enable_totp,
    portal_client,
    portal_token,
    register_application,
    sign_in,
)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "https://elsewhere.example/E1",
        "http://portal.example/E1",  # not https
        "data:text/html,<script>x</script>",
    ],
)
def test_a_deep_link_off_the_portals_own_origins_is_refused(components, portal, link):
    applicant = make_account(components)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    token = portal_token(portal, client, secret)
    response = register_application(portal, token, applicant.subject, "E1", deep_link=link)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "deep_link"
    assert (
        portal.get("/api/applications", headers={"Authorization": f"Bearer {token}"}).json() == []
    )


def test_a_link_on_the_portals_own_origin_is_kept(components, portal):
    applicant = make_account(components)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    token = portal_token(portal, client, secret)
    link = "https://portal.example/applications/E2"  # the origin of its redirect URI
    response = register_application(portal, token, applicant.subject, "E2", deep_link=link)
    assert response.status_code == 201
    assert response.json()["deep_link"] == link


def test_all_applications_at_a_portal_covers_the_ones_registered_later(
    components, portal, browser, clock
):
    from consent import Action, decide, delegations_of_principal

    applicant, rep = make_account(components), make_account(components)
    client, secret = portal_client(components, name="IRCC Portal")
    connect(components, applicant, client)
    token = portal_token(portal, client, secret)
    register_application(portal, token, applicant.subject, "E10")
    sign_in(browser, "/login", applicant.email)
    enable_totp(browser, clock.now().timestamp())
    page = browser.get("/account/representatives/new")
    option = re.search(r'value="(all:[^"]+)"', page.text).group(1)
    granted = browser.post(
        "/account/representatives/new",
        data={
            "email": rep.email,
            "kind": "representative_unpaid",
            "applications": option,
            "actions": "application.read",
            "valid_until": (clock.now().date().replace(year=clock.now().year + 1)).isoformat(),
            "csrf_token": csrf_of(page),
        },
    )
    assert granted.headers["location"] == "/account/representatives?notice=granted"
    later = register_application(portal, token, applicant.subject, "E11").json()
    from tests.factories.idp import transaction

    with transaction(components) as db:
        (delegation,) = delegations_of_principal(db, applicant.subject)
        assert delegation.all_applications
        assert delegation.portal_client_id == client.client_id
        delegation.status = "active"  # as if accepted, to ask the decision
        allowed = decide(
            db,
            actor=rep.subject,
            action=Action.APPLICATION_READ,
            application_id=later["id"],
            now=clock.now(),
        )
    assert allowed.allowed


def test_an_empty_appointment_names_every_field_and_yourself_is_refused_first(
    components, portal, browser, clock
):
    applicant = make_account(components)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    register_application(portal, portal_token(portal, client, secret), applicant.subject, "E3")
    sign_in(browser, "/login", applicant.email)
    enable_totp(browser, clock.now().timestamp())
    page = browser.get("/account/representatives/new")
    empty = browser.post("/account/representatives/new", data={"csrf_token": csrf_of(page)})
    assert empty.status_code == 400
    named = set(re.findall(r'<a href="#([\w-]+)">', empty.text))
    # a group of boxes is linked by its first box (the applications, the actions)
    assert {"email", "app-1", "action-1", "valid_until"} <= named
    yourself = browser.post(
        "/account/representatives/new",
        data={"email": applicant.email, "csrf_token": csrf_of(page)},
    )
    assert re.findall(r'<a href="#([a-z_]+)">', yourself.text) == ["email"]
    assert "cannot appoint yourself" in yourself.text
