"""The representative's dashboard across portals, asking for access truthfully, and the
mail each side of a delegation receives."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from consent import Action, delegations_of_actor
from tests.factories.idp import (
    connect,
    grant_delegation,
    make_account,
    make_profile_client,
    make_representative,
    transaction,
)
from tests.idp.flows import csrf_of, portal_client, portal_token, register_application, sign_in


def _world(components, portal, rep, *, days=(200, 10)):
    """Two applicants at two portals, each appointing `rep` on one application."""
    rows = []
    for n, (name, portal_name, number, unread, valid_days) in enumerate(
        [
            ("Amara Okafor", "Study portal", "S100", 2, days[0]),
            ("Yaw Mensah", "Work portal", "W200", 0, days[1]),
        ]
    ):
        applicant = make_account(components, name=name)
        client, secret = portal_client(components, name=portal_name)
        connect(components, applicant, client)
        token = portal_token(portal, client, secret)
        application = register_application(
            portal,
            token,
            applicant.subject,
            number,
            unread_count=unread,
            status="in review" if n == 0 else "received",
            deep_link=f"https://portal.example/{number}?tab=1",
        ).json()
        delegation = grant_delegation(
            components,
            applicant,
            rep,
            [application["id"]],
            actions=[Action.APPLICATION_READ, Action.DOCUMENTS_UPLOAD],
            days=valid_days,
            accept=True,
        )
        rows.append((client, delegation.id))
    return rows


def test_the_dashboard_lists_every_client_and_application_across_portals(
    components, portal, browser
):
    rep = make_account(components, name="Rep Lee")
    (study, study_delegation), _ = _world(components, portal, rep)
    sign_in(browser, "/login", rep.email)
    page = browser.get("/account/dashboard").text
    for expected in ("Amara Okafor", "Yaw Mensah", "S100", "W200", "Study portal", "Work portal"):
        assert expected in page
    assert "<strong>2</strong>" in page  # unread correspondence
    assert "Upload documents" in page
    link = page.split('href="https://portal.example/S100')[1].split('"')[0]
    query = parse_qs(urlsplit("https://x/" + link.replace("&amp;", "&")).query)
    assert query == {"tab": ["1"], "passerelle_delegation": [study_delegation]}
    del study


def test_the_dashboard_filters_by_portal_status_unread_and_ending_soon(components, portal, browser):
    rep = make_account(components)
    (study, _), (work, _) = _world(components, portal, rep)
    sign_in(browser, "/login", rep.email)

    def shown(query):
        page = browser.get(f"/account/dashboard?{query}").text
        return {n for n in ("S100", "W200") if n in page}

    assert shown(f"portal={study.client_id}") == {"S100"}
    assert shown("status=received") == {"W200"}
    assert shown("unread=1") == {"S100"}
    assert shown("expiring=1") == {"W200"}
    assert shown("") == {"S100", "W200"}
    del work


def _ask(browser, number, email):
    page = browser.get("/account/delegations")
    return browser.post(
        "/account/delegations/request",
        data={"application_number": number, "email": email, "csrf_token": csrf_of(page)},
    )


def test_an_approved_representative_asks_as_paid_and_the_applicant_is_told(
    components, portal, browser, mail
):
    applicant = make_account(components, name="Amara Okafor", locale="fr")
    client, secret = portal_client(components)
    connect(components, applicant, client)
    register_application(portal, portal_token(portal, client, secret), applicant.subject, "E1")
    rep = make_account(components, name="Amrit Kaur Sandhu")
    representative_id = make_representative(components, rep)
    sign_in(browser, "/login", rep.email)
    assert "Paid representative (licensed)" in browser.get("/account/delegations").text
    french = browser.get("/account/dashboard?lang=fr").text
    assert f"ID de représentant\u00a0: <strong>{representative_id}</strong>" in french
    asking = browser.get("/account/delegations?lang=fr").text
    assert f"ID de représentant\u00a0: {representative_id}." in asking
    _ask(browser, "E1", applicant.email)
    text = mail.texts(applicant.email)[-1]
    assert "Amrit Kaur Sandhu" in text
    assert "Représentant rémunéré (autorisé)" in text
    assert representative_id in text
    assert "CICC R712345" in text
    with transaction(components) as db:
        (delegation,) = delegations_of_actor(db, rep.subject)
        assert delegation.kind == "representative_paid"


def test_a_person_not_approved_asks_as_unpaid(components, portal, browser, mail):
    applicant = make_account(components)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    register_application(portal, portal_token(portal, client, secret), applicant.subject, "E2")
    rep = make_account(components, name="Cousin Kwame")
    sign_in(browser, "/login", rep.email)
    assert "family member or friend" in browser.get("/account/delegations").text
    _ask(browser, "E2", applicant.email)
    assert "family member or friend" in mail.texts(applicant.email)[-1]


def test_the_applicant_hears_of_the_acceptance_and_the_representative_of_a_revocation(
    components, portal, browser, mail
):
    rep = make_account(components, name="Rep Lee")
    applicant = make_account(components, name="Amara Okafor")
    client, secret = portal_client(components)
    connect(components, applicant, client)
    application = register_application(
        portal, portal_token(portal, client, secret), applicant.subject, "E3"
    ).json()
    delegation = grant_delegation(components, applicant, rep, [application["id"]])
    sign_in(browser, "/login", rep.email)
    page = browser.get("/account/delegations")
    browser.post(f"/account/delegations/{delegation.id}/accept", data={"csrf_token": csrf_of(page)})
    assert "Rep Lee accepted" in mail.texts(applicant.email)[-1]
    browser.cookies.clear()
    sign_in(browser, "/login", applicant.email)
    page = browser.get("/account/representatives")
    browser.post(
        f"/account/representatives/{delegation.id}/revoke", data={"csrf_token": csrf_of(page)}
    )
    assert "ended your access" in mail.texts(rep.email)[-1]
    assert "E3" in mail.texts(rep.email)[-1]


def test_the_representative_hears_when_appointed_and_when_the_access_changes(
    components, portal, browser, clock, mail
):
    from tests.idp.flows import enable_totp, step_up

    applicant = make_account(components, name="Amara Okafor")
    rep = make_account(components, name="Rep Lee", locale="fr")
    client, secret = make_profile_client(components, "ircc-portal")
    connect(components, applicant, client)
    application = register_application(
        portal,
        portal_token(portal, client, secret),
        applicant.subject,
        "E4",
        program="study_permit",
    ).json()
    sign_in(browser, "/login", applicant.email)
    totp, _ = enable_totp(browser, clock.now().timestamp())
    step_up(browser, clock, totp, "/account/representatives/new")
    until = (clock.now() + timedelta(days=90)).date().isoformat()
    form = {
        "email": rep.email,
        "kind": "representative_unpaid",
        "applications": application["id"],
        "actions": ["application.read", "documents.upload"],
        "valid_until": until,
    }
    page = browser.get("/account/representatives/new")
    granted = browser.post(
        "/account/representatives/new", data={**form, "csrf_token": csrf_of(page)}
    )
    assert granted.status_code == 303
    appointed = mail.texts(rep.email)[-1]
    assert "Amara Okafor vous a désigné" in appointed
    assert "Permis d’études E4 (Portail d’IRCC)" in appointed  # the rep's language
    with transaction(components) as db:
        (delegation,) = delegations_of_actor(db, rep.subject)
    change = f"/account/representatives/{delegation.id}/change"
    page = browser.get(change)
    browser.post(
        change,
        data={**form, "actions": ["application.read"], "csrf_token": csrf_of(page)},
    )
    assert "a modifié ce que vous pouvez faire" in mail.texts(rep.email)[-1]


def test_the_applicant_hears_when_the_representative_declines(components, portal, browser, mail):
    rep = make_account(components, name="Rep Lee")
    applicant = make_account(components, name="Amara Okafor")
    client, secret = portal_client(components)
    connect(components, applicant, client)
    application = register_application(
        portal, portal_token(portal, client, secret), applicant.subject, "E5"
    ).json()
    delegation = grant_delegation(components, applicant, rep, [application["id"]])
    sign_in(browser, "/login", rep.email)
    page = browser.get("/account/delegations")
    declined = browser.post(
        f"/account/delegations/{delegation.id}/decline", data={"csrf_token": csrf_of(page)}
    )
    assert declined.headers["location"] == "/account/delegations?notice=declined"
    assert "Rep Lee declined to act for you" in mail.texts(applicant.email)[-1]
