"""Family: an applicant invites a family member (their own account) and appoints them
designated individual in one step; the appointment waits for the account, then for their
acceptance; the household view shows what each person shares."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from adapters import SmtpMailer
from consent import (
    Action,
    DelegationKind,
    DelegationRequest,
    delegations_of_principal,
    register_application,
)
from idp.accounts.models import Invitation
from idp.accounts.service import find_account_by_email
from idp.delegation import service
from idp.family.household import invited_by
from tests.factories.idp import make_account, make_client, transaction
from tests.idp.flows import assert_group_error, csrf_of, enable_totp, sign_in

PASSWORD = "a family of long passphrases"
INVITE = "/account/household/invite"


@pytest.fixture
def kofi() -> str:
    """The family member's email, new in every test (the real backend's inbox is shared)."""
    return f"kofi-{secrets.token_hex(4)}@example.ca"


@pytest.fixture
def invitee(app) -> Iterator[TestClient]:
    """The family member's own browser."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def applicant(components, browser, clock):
    """Amara, signed in with a second factor just proven, with one application."""
    amara = make_account(components, name="Amara Okafor")
    client, _ = make_client(components, name="IRCC Portal")
    with transaction(components) as db:
        application, _ = register_application(
            db, portal_client_id=client.client_id, portal_reference="E000123",
            program="Study permit", applicant_subject=amara.subject, status="in_review",
            unread_count=2, deep_link="https://portal.example/E000123", now=clock.now(),
        )  # fmt: skip
    sign_in(browser, "/login", amara.email)
    enable_totp(browser, clock.now().timestamp())
    return amara, application.id


def _invite(browser, application_id, email, **changes):
    form = browser.get(INVITE)
    data = {
        "name": "Kofi Mensah",
        "email": email,
        "locale": "fr",
        "applications": [application_id],
        "actions": ["application.read", "correspondence.read"],
        "valid_until": "2027-06-30",
        "csrf_token": csrf_of(form),
    }
    data.update(changes)
    return browser.post(INVITE, data={k: v for k, v in data.items() if v is not None})


def _accept_invitation(invitee, mail, email):
    (link,) = re.findall(
        r"https://testserver(/invitations/accept\?token=\S+)", mail.texts(email)[-1]
    )
    return _accept_link(invitee, link)


def _accept_link(invitee, link):
    page = invitee.get(link)
    token = page.text.split('name="token" value="')[1].split('"')[0]
    data = {
        "token": token,
        "name": "Kofi Mensah",
        "password": PASSWORD,
        "csrf_token": csrf_of(page),
    }
    return invitee.post("/invitations/accept", data=data)


def test_inviting_needs_a_recent_second_factor(applicant, browser, clock, kofi):
    clock.advance(16 * 60)
    assert browser.get(INVITE).headers["location"].startswith("/account/step-up?return=")
    token = csrf_of(browser.get("/account/security"))
    refused = browser.post(INVITE, data={"csrf_token": token, "email": "kofi@example.ca"})
    assert refused.headers["location"].startswith("/account/step-up")


def test_the_invitation_mail_is_in_the_invitees_language_and_names_the_applicant(
    applicant, browser, mail, kofi
):
    sent = _invite(browser, applicant[1], kofi)
    assert sent.headers["location"] == "/account/household?notice=invited"
    text = mail.texts(kofi)[-1]
    assert "Amara Okafor vous invite à créer votre propre compte Passerelle" in text
    household = browser.get("/account/household")
    assert "Kofi Mensah" in household.text
    assert "invited: waiting for them to create their account" in household.text


def test_every_field_at_fault_is_named_at_once_and_nothing_is_sent(applicant, browser, mail, kofi):
    refused = _invite(
        browser, applicant[1], name="", email="not an email", applications=None,
        actions=None, valid_until="someday",
    )  # fmt: skip
    assert refused.status_code == 400
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    # the order of the fields; a group of boxes links to its first box
    assert re.findall(r'href="#([\w-]+)"', summary) == [
        "name",
        "email",
        "app-1",
        "action-1",
        "valid_until",
    ]
    for group in ("applications", "actions"):
        assert assert_group_error(refused.text, group)
    assert mail.texts(kofi) == []


def test_someone_with_an_account_is_appointed_from_my_representatives_instead(
    components, applicant, browser, kofi
):
    make_account(components, email=kofi)
    refused = _invite(browser, applicant[1], kofi)
    assert refused.status_code == 400
    assert "already has a Passerelle account" in refused.text


def test_a_family_member_gets_only_read_actions(applicant, browser, kofi):
    refused = _invite(browser, applicant[1], kofi, actions=["documents.upload"])
    assert refused.status_code == 400
    assert 'href="#action-1"' in refused.text


def test_an_application_of_someone_else_is_refused(components, applicant, browser, clock, kofi):
    other = make_account(components)
    client, _ = make_client(components)
    with transaction(components) as db:
        theirs, _ = register_application(
            db, portal_client_id=client.client_id, portal_reference="X1", program="Visa",
            applicant_subject=other.subject, status="received", now=clock.now(),
        )  # fmt: skip
    refused = _invite(browser, theirs.id, kofi)
    assert refused.status_code == 400
    assert 'href="#app-1"' in refused.text


def test_accepting_the_invitation_creates_the_appointment_they_then_accept(
    components, applicant, browser, invitee, mail, kofi
):
    amara, _ = applicant
    _invite(browser, applicant[1], kofi)
    created = _accept_invitation(invitee, mail, kofi)
    assert created.headers["location"] == "/account/delegations?notice=welcome"
    with transaction(components) as db:
        (delegation,) = delegations_of_principal(db, amara.subject)
        kofi = find_account_by_email(db, kofi)
        assert kofi is not None
        assert delegation.actor_subject == kofi.subject
        assert delegation.kind == DelegationKind.DESIGNATED_INDIVIDUAL
        assert delegation.status == "pending_acceptance"
        assert set(delegation.actions) == {"application.read", "correspondence.read"}
        until = delegation.valid_until  # "until 2027-06-30": midnight in Toronto, not UTC
        until = until if until.tzinfo else until.replace(tzinfo=UTC)  # SQLite forgets the zone
        assert until == datetime(2027, 7, 1, 3, 59, 59, 999999, tzinfo=UTC)
    assert "waiting for them to accept" in browser.get("/account/household").text
    mine = invitee.get("/account/delegations")
    accepted = invitee.post(
        f"/account/delegations/{delegation.id}/accept", data={"csrf_token": csrf_of(mine)}
    )
    assert accepted.headers["location"] == "/account/delegations?notice=accepted"
    household = invitee.get("/account/household")
    assert "Amara Okafor" in household.text
    assert "E000123" in household.text
    assert "in_review" in household.text
    assert "<strong>2</strong>" in household.text
    assert "2027-06-30" in household.text  # the day typed, in Kofi’s French


def test_a_withdrawn_invitation_appoints_nobody(
    components, applicant, browser, invitee, mail, kofi
):
    amara, _ = applicant
    _invite(browser, applicant[1], kofi)
    page = browser.get("/account/household")
    (cancel,) = re.findall(r"/account/household/invitations/\w+/cancel", page.text)
    done = browser.post(cancel, data={"csrf_token": csrf_of(page)})
    assert done.headers["location"] == "/account/household?notice=cancelled"
    created = _accept_invitation(invitee, mail, kofi)
    assert created.headers["location"] == "/account/security?notice=welcome"  # their account
    with transaction(components) as db:
        assert delegations_of_principal(db, amara.subject) == []


def test_an_appointment_whose_end_date_passed_while_waiting_lapses(
    components, applicant, browser, invitee, mail, clock, kofi
):
    amara, _ = applicant
    until = (clock.now() + timedelta(days=3)).date().isoformat()
    _invite(browser, applicant[1], kofi, valid_until=until)
    clock.advance(5 * 24 * 3600)
    _accept_invitation(invitee, mail, kofi)
    with transaction(components) as db:
        assert delegations_of_principal(db, amara.subject) == []
        (lapsed,) = invited_by(db, amara.subject, clock.now())
    assert lapsed.status == "lapsed"


UNAVAILABLE = {
    "en": "Nothing you saved is lost. Try again in a few seconds.",
    "fr": "Rien de ce que vous avez enregistré n’est perdu. Réessayez dans quelques secondes.",
}


def _link_in(inbox, email):
    (link,) = re.findall(
        r"https://testserver(/invitations/accept\?token=\S+)", inbox.last_text(email)
    )
    return link


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_invitation_asked_again_after_the_mail_server_refused_it_is_one_invitation(
    components, app, applicant, browser, invitee, clock, refusing_smtp, kofi, lang
):
    """The refusal answers "try again"; trying again (here with one action fewer) sends the
    same invitation with the terms asked last, not a second invitation and appointment."""
    amara, application_id = applicant
    url, inbox = refusing_smtp
    app.state.mailer = SmtpMailer(url, "passerelle@example.ca")
    browser.get(f"{INVITE}?lang={lang}")
    refused = _invite(browser, application_id, kofi)
    assert refused.status_code == 503
    assert UNAVAILABLE[lang] in " ".join(refused.text.split())
    inbox.refusing = False
    sent = _invite(browser, application_id, kofi, actions=["application.read"])
    assert sent.headers["location"] == "/account/household?notice=invited"
    assert len(inbox.to(kofi)) == 1
    with transaction(components) as db:
        assert len(db.scalars(select(Invitation).where(Invitation.email == kofi)).all()) == 1
        (waiting,) = invited_by(db, amara.subject, clock.now())
    assert waiting.status == "invited"
    household = browser.get("/account/household").text
    assert household.count(kofi) == 1
    created = _accept_link(invitee, _link_in(inbox, kofi))
    assert created.headers["location"] == "/account/delegations?notice=welcome"
    with transaction(components) as db:
        (delegation,) = delegations_of_principal(db, amara.subject)
        assert delegation.actions == ["application.read"]


def test_inviting_the_same_family_member_again_leaves_only_the_last_link_working(
    components, app, applicant, browser, invitee, refusing_smtp, kofi
):
    amara, application_id = applicant
    url, inbox = refusing_smtp
    inbox.refusing = False
    app.state.mailer = SmtpMailer(url, "passerelle@example.ca")
    _invite(browser, application_id, kofi)
    first = _link_in(inbox, kofi)
    _invite(browser, application_id, kofi)
    last = _link_in(inbox, kofi)
    assert invitee.get(first).status_code == 410
    assert _accept_link(invitee, last).status_code == 303
    with transaction(components) as db:
        assert len(delegations_of_principal(db, amara.subject)) == 1


def test_a_withdrawn_invitation_sent_again_appoints_them(
    components, applicant, browser, invitee, mail, kofi
):
    amara, application_id = applicant
    _invite(browser, application_id, kofi)
    page = browser.get("/account/household")
    (cancel,) = re.findall(r"/account/household/invitations/\w+/cancel", page.text)
    browser.post(cancel, data={"csrf_token": csrf_of(page)})
    _invite(browser, application_id, kofi)
    assert (
        "invited: waiting for them to create their account"
        in browser.get("/account/household").text
    )
    created = _accept_invitation(invitee, mail, kofi)
    assert created.headers["location"] == "/account/delegations?notice=welcome"
    with transaction(components) as db:
        assert len(delegations_of_principal(db, amara.subject)) == 1


def test_the_household_shows_only_what_each_delegation_shares(
    components, applicant, browser, clock
):
    amara, application_id = applicant
    rep = make_account(components, name="Rep Lee")
    with transaction(components) as db:
        granted = service.grant(
            db,
            components.delegation_events,
            DelegationRequest(
                principal=amara.subject, actor=rep.subject,
                kind=DelegationKind.REPRESENTATIVE_UNPAID,
                actions=[Action.CORRESPONDENCE_READ], valid_until=clock.now() + timedelta(days=9),
                application_ids=[application_id],
            ),
            clock.now(),
            zone=components.settings.display_zone,
        )  # fmt: skip
        service.accept(db, components.delegation_events, granted.id, rep.subject, clock.now())
    sign_in(browser, "/login", rep.email)
    household = browser.get("/account/household")
    assert "Amara Okafor" in household.text
    assert "E000123" in household.text
    assert "in_review" not in household.text  # no application.read: the status is not shared
    assert "Not shared" in household.text
