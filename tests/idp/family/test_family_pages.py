"""The household page and the family invitation form as a person reads them: portals,
programs and statuses in the page's language (after a language switch too), the form's
default end date in the service's zone, and no form for someone without applications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consent import Action, DelegationKind, DelegationRequest, register_application
from idp.delegation import service
from tests.factories.idp import make_account, make_profile_client, transaction
from tests.idp.flows import csrf_of, enable_totp, sign_in, switch_language

INVITE = "/account/household/invite"


def _pr_application(components, clock, owner):
    client, _ = make_profile_client(components, "pr-portal")
    with transaction(components) as db:
        application, _ = register_application(
            db, portal_client_id=client.client_id, portal_reference="R000789",
            program="permanent_residence", applicant_subject=owner.subject,
            status="presence_in_canada_confirmed", unread_count=0,
            deep_link="https://pr.example/R000789", now=clock.now(),
        )  # fmt: skip
    return application.id


def test_the_household_names_portals_programs_and_statuses_as_my_applications_do(
    components, browser, clock
):
    spouse = make_account(components, name="Lina Haddad")
    application_id = _pr_application(components, clock, spouse)
    relative = make_account(components)
    with transaction(components) as db:
        granted = service.grant(
            db,
            components.delegation_events,
            DelegationRequest(
                principal=spouse.subject, actor=relative.subject,
                kind=DelegationKind.DESIGNATED_INDIVIDUAL,
                actions=[Action.APPLICATION_READ], valid_until=clock.now() + timedelta(days=9),
                application_ids=[application_id],
            ),
            clock.now(),
            zone=components.settings.display_zone,
        )  # fmt: skip
        service.accept(db, components.delegation_events, granted.id, relative.subject, clock.now())
    sign_in(browser, "/login", relative.email)
    french = browser.get("/account/household?lang=fr").text
    assert "<td>Présence au Canada confirmée</td>" in french
    assert "<td>Portail de résidence permanente</td>" in french
    assert "Ouvrir R000789 dans Portail de résidence permanente" in french
    assert "presence_in_canada_confirmed" not in french
    assert "Permanent Residence Portal" not in french
    assert "Résidence permanente <br>" in french  # the program, as the profile names it
    english = browser.get("/account/household?lang=en").text
    assert "<td>Presence in Canada confirmed</td>" in english
    assert "Permanent residence <br>" in english
    assert "<td>Permanent Residence Portal</td>" in english


def test_the_invite_form_names_my_portals_in_my_language(components, browser, clock):
    owner = make_account(components)
    _pr_application(components, clock, owner)
    sign_in(browser, "/login", owner.email)
    enable_totp(browser, clock.now().timestamp())
    french = browser.get(INVITE + "?lang=fr").text
    assert "Résidence permanente R000789 (Portail de résidence permanente)" in french
    assert "Permanent Residence Portal" not in french
    assert "permanent_residence" not in french


def test_the_language_switch_on_a_refused_invitation_names_my_portals_in_french(
    components, browser, clock
):
    owner = make_account(components)
    _pr_application(components, clock, owner)
    sign_in(browser, "/login", owner.email)
    enable_totp(browser, clock.now().timestamp())
    form = browser.get(INVITE + "?lang=en")
    refused = browser.post(INVITE, data={"name": "", "csrf_token": csrf_of(form)})
    assert refused.status_code == 400
    assert "Permanent residence R000789 (Permanent Residence Portal)" in refused.text
    french = switch_language(browser, refused)
    assert '<html lang="fr">' in french.text
    assert "Résidence permanente R000789 (Portail de résidence permanente)" in french.text
    assert "Permanent Residence Portal" not in french.text


def test_the_invite_forms_end_date_is_a_year_from_today_in_toronto(components, browser, clock):
    """At 02:00 UTC on 6 December it is still 5 December in Toronto: the form offered a
    year from UTC's date, a day more than a year."""
    clock.advance((datetime(2026, 12, 6, 2, 0, tzinfo=UTC) - clock.now()).total_seconds())
    owner = make_account(components)
    _pr_application(components, clock, owner)
    sign_in(browser, "/login", owner.email)
    enable_totp(browser, clock.now().timestamp())
    assert 'name="valid_until" type="date" value="2027-12-05"' in browser.get(INVITE).text


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "You have no applications yet."), ("fr", "Vous n’avez encore aucune demande.")],
)
def test_someone_without_applications_is_told_so_not_given_a_form_that_cannot_succeed(
    components, browser, clock, lang, text
):
    """The group "For which applications?" had no box to tick, and sending said to tick one."""
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    enable_totp(browser, clock.now().timestamp())  # proves the second factor for the session
    page = browser.get(f"{INVITE}?lang={lang}")
    assert page.status_code == 200
    assert text in page.text
    assert f'action="{INVITE}"' not in page.text
    assert '<a href="/account/applications">' in page.text


def test_the_invite_form_refuses_an_end_past_three_calendar_years_beside_the_field(
    components, browser, clock
):
    """22:00 on 4 December in Toronto (the 5th in UTC): 4 December 2029 is the last day."""
    clock.advance((datetime(2026, 12, 5, 3, 0, tzinfo=UTC) - clock.now()).total_seconds())
    owner = make_account(components)
    application_id = _pr_application(components, clock, owner)
    sign_in(browser, "/login", owner.email)
    enable_totp(browser, clock.now().timestamp())

    def invite(until: str):
        form = browser.get(INVITE + "?lang=fr")
        return browser.post(
            INVITE,
            data={
                "name": "Kofi Mensah", "email": f"kofi-{until}@example.ca", "locale": "fr",
                "applications": [application_id], "actions": ["application.read"],
                "valid_until": until, "csrf_token": csrf_of(form),
            },
        )  # fmt: skip

    refused = invite("2029-12-05")
    assert refused.status_code == 400
    beside_the_field = refused.text.split('id="valid_until-error"')[1].split("</p>")[0]
    assert "au plus 3 ans après aujourd’hui\u00a0: le 2029-12-04 au plus tard" in beside_the_field
    assert 'value="2029-12-05"' in refused.text  # what was typed is kept
    accepted = invite("2029-12-04")
    assert accepted.status_code == 303, accepted.text
