"""Portals, programs and statuses in the person's words: profile names, program names and
status labels in their language, scopes in plain words, and help offered on every error
page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent import Action, DelegationKind, DelegationRequest
from idp.delegation import service
from tests.factories.idp import connect, make_account, make_profile_client, transaction
from tests.idp.console.delegations import APPOINT
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    csrf_of,
    enable_totp,
    portal_token,
    redeem,
    register_application,
    sign_in,
    step_up,
    switch_language,
)


def _filed(components, portal, status="in_review", program="study_permit"):
    applicant = make_account(components)
    client, secret = make_profile_client(components, "ircc-portal")
    connect(components, applicant, client)
    token = portal_token(portal, client, secret)
    application = register_application(
        portal, token, applicant.subject, "W300", status=status, program=program
    )
    return applicant, client, application.json()


def _reads(components, applicant, rep, application):
    """`rep` may read `application` for 30 days (the applicant appointed them)."""
    with transaction(components) as db:
        return service.grant(
            db,
            components.delegation_events,
            DelegationRequest(
                principal=applicant.subject,
                actor=rep.subject,
                kind=DelegationKind.DESIGNATED_INDIVIDUAL,
                actions=[Action.APPLICATION_READ],
                valid_until=components.clock.now() + timedelta(days=30),
                application_ids=[application["id"]],
            ),
            components.clock.now(),
            zone=components.settings.display_zone,
        )


def test_my_applications_show_the_portals_status_label_in_my_language(components, portal, browser):
    applicant, _, _ = _filed(components, portal)
    sign_in(browser, "/login", applicant.email)
    english = browser.get("/account/applications").text
    assert "<td>In review</td>" in english
    assert "in_review" not in english
    french = browser.get("/account/applications?lang=fr").text
    assert "<td>En cours d’examen</td>" in french
    assert "Portail d’IRCC" in french


def test_my_applications_name_the_program_in_my_language(components, portal, browser):
    applicant, _, _ = _filed(components, portal)
    sign_in(browser, "/login", applicant.email)
    english = browser.get("/account/applications?lang=en").text
    assert "<td>Study permit <br>" in english
    assert "study_permit" not in english
    french = browser.get("/account/applications?lang=fr").text
    assert "<td>Permis d’études <br>" in french
    assert "Study permit" not in french


def test_a_program_the_profile_does_not_list_shows_as_the_portal_sent_it(
    components, portal, browser
):
    applicant, _, _ = _filed(components, portal, program="Programme pilote des aides familiaux")
    sign_in(browser, "/login", applicant.email)
    french = browser.get("/account/applications?lang=fr").text
    assert "<td>Programme pilote des aides familiaux <br>" in french


def test_an_unknown_status_code_shows_as_the_portal_sent_it(components, portal, browser):
    applicant, _, _ = _filed(components, portal, status="queued_for_triage")
    sign_in(browser, "/login", applicant.email)
    assert "<td>queued_for_triage</td>" in browser.get("/account/applications").text


def test_the_representative_sees_the_status_of_each_application(components, portal, browser):
    applicant, _, application = _filed(components, portal)
    rep = make_account(components)
    _reads(components, applicant, rep, application)
    sign_in(browser, "/login", rep.email)
    page = browser.get("/account/delegations?lang=fr").text
    assert "Permis d’études W300 (Portail d’IRCC) — En cours d’examen" in page


@pytest.mark.parametrize("path", [APPOINT, "change"])
def test_the_language_switch_on_a_refused_appointment_names_programs_and_portals_in_french(
    components, portal, browser, clock, path
):
    applicant, _, application = _filed(components, portal)
    rep = make_account(components)
    sign_in(browser, "/login", applicant.email)
    secret_totp, _ = enable_totp(browser, clock.now().timestamp())
    if path == "change":
        delegation = _reads(components, applicant, rep, application)
        path = f"/account/representatives/{delegation.id}/change"
    step_up(browser, clock, secret_totp, path)
    page = browser.get(path)
    refused = browser.post(path, data={"email": rep.email, "csrf_token": csrf_of(page)})
    assert refused.status_code == 400
    assert "Study permit W300 (IRCC Portal)" in refused.text
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert "Permis d’études W300 (Portail d’IRCC)" in french.text
    assert "Toutes mes demandes à Portail d’IRCC" in french.text
    assert "Study permit" not in french.text
    assert "IRCC Portal" not in french.text


def test_the_language_switch_on_a_refused_sign_in_names_the_portal_in_french(components, browser):
    person = make_account(components)
    client, _ = make_profile_client(components, "ircc-portal")
    request = authorization_request(
        client.client_id, redirect_uri="https://ircc-portal.example/oidc/callback"
    )
    start = browser.get("/authorize?" + request.query)
    assert start.headers["location"].startswith("/login?interaction=")
    refused = sign_in(browser, start.headers["location"], person.email, password="")
    assert refused.status_code == 400
    assert "Sign in to continue to IRCC Portal." in refused.text
    french = switch_language(browser, refused)
    assert '<html lang="fr">' in french.text
    assert "Portail d’IRCC" in french.text
    assert "IRCC Portal" not in french.text


def test_the_language_switch_on_a_posted_sign_out_names_the_portal_in_french(components, browser):
    person = make_account(components)
    client, _ = make_profile_client(components, "ircc-portal")
    sign_in(browser, "/login", person.email)
    asked = browser.post("/logout", data={"client_id": client.client_id})  # from the portal
    assert asked.status_code == 200
    assert "IRCC Portal asks to sign you out" in asked.text
    french = switch_language(browser, asked)
    assert '<html lang="fr">' in french.text
    assert "Portail d’IRCC" in french.text
    assert "IRCC Portal" not in french.text


def test_the_language_switch_on_a_posted_authorization_names_the_portal_in_french(
    components, browser
):
    person = make_account(components)
    client, _ = make_profile_client(components, "dli-portal")
    request = authorization_request(
        client.client_id, redirect_uri="https://dli-portal.example/oidc/callback"
    )
    sign_in(browser, "/login", person.email)
    consent = browser.post("/authorize", data=request.params)  # a portal's form post
    assert consent.status_code == 200
    assert "Designated Learning Institution Portal wants to use" in consent.text
    french = switch_language(browser, consent)
    assert '<html lang="fr">' in french.text
    assert "Portail des établissements d’enseignement désignés" in french.text
    assert "Designated Learning Institution Portal" not in french.text


def test_connected_portals_are_named_in_my_language_with_scopes_in_plain_words(
    components, portal, browser
):
    person = make_account(components)
    client, secret = make_profile_client(components, "ircc-portal")
    callback = "https://ircc-portal.example/oidc/callback"
    request = authorization_request(
        client.client_id, scope="openid profile email", redirect_uri=callback
    )
    code = authorize_code(browser, request, person.email)["code"]
    redeem(portal, code, request.verifier, client.client_id, secret, redirect_uri=callback)
    page = browser.get("/account/portals?lang=fr").text
    assert "Portail d’IRCC" in page
    assert "Confirmer que c’est bien vous" in page
    english = browser.get("/account/portals?lang=en").text
    assert "Confirm that it is you" in english
    assert "See your email address" in english
    assert "<code>openid</code>" not in english


def test_every_error_page_offers_help(browser):
    page = browser.get("/no-such-page")
    assert page.status_code == 404
    main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert '<a href="/help">' in main


@pytest.mark.parametrize(
    ("lang", "not_found", "not_a_page"),
    [
        ("en", "Check the address", "This address only receives a form"),
        ("fr", "Vérifiez l’adresse", "Cette adresse reçoit seulement un formulaire"),
    ],
)
def test_404_and_405_pages_say_what_happened_and_what_to_do(browser, lang, not_found, not_a_page):
    """Not the heading said twice: what the address is and where to go instead."""
    missing = browser.get(f"/no-such-page?lang={lang}")
    assert missing.status_code == 404
    assert not_found in missing.text
    form_only = browser.get(f"/register/verify?lang={lang}")  # a form's address, opened
    assert form_only.status_code == 405
    assert not_a_page in form_only.text


def test_a_refused_request_for_access_switches_language_with_what_the_page_showed(
    components, portal, browser
):
    """The representative's page answering its request form is kept for the language
    switch: the people they act for, with programs, portals and statuses in the other
    language, and what was typed with its error. (It used to link to the page's address,
    losing both, its view objects not being plain values.)"""
    applicant, _, application = _filed(components, portal)
    rep = make_account(components)
    _reads(components, applicant, rep, application)
    sign_in(browser, "/login", rep.email)
    page = browser.get("/account/delegations")
    refused = browser.post(
        "/account/delegations/request",
        data={
            "application_number": "W300",
            "email": "not an address",
            "actions": "application.read",
            "csrf_token": csrf_of(page),
        },
    )
    assert refused.status_code == 400
    assert "<li>Study permit W300 (IRCC Portal) — In review</li>" in refused.text
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert "<li>Permis d’études W300 (Portail d’IRCC) — En cours d’examen</li>" in french.text
    assert applicant.email in french.text  # whom they act for
    assert 'value="W300"' in french.text
    assert 'value="not an address"' in french.text
    assert "Entrez l’adresse courriel du demandeur" in french.text.split('id="email-error"')[1]
