"""Converting a client account into a representative account (DESIGN.md section 7, seed
004): the conversion code, then on approval, in one transaction, client files for what
was filed for others, the account kept whole; and nothing changed when it fails."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from consent import Action, decide, get_application
from idp.accounts.models import Account
from idp.enrolment.models import ClientFile
from idp.migrations.metadata import ALL_METADATA
from idp.oauth.models import Consent
from tests.factories.idp import connect, make_account, make_profile_client, transaction
from tests.idp.enrolment.journey import (
    any_csrf,
    enrol,
    enrolment_id_of,
    make_officer,
    new_person,
    reference_of,
)
from tests.idp.enrolment.journey import (
    decide as officer_decides,
)
from tests.idp.flows import (
    csrf_of,
    portal_client,
    portal_token,
    register_application,
    sign_in,
    switch_language,
)

PASSWORD = "a claimed and very long password"


def _client_account(components, browser, portal, clock):
    """A client account that filed three applications: one its own, two for others."""
    filer = new_person(components, browser, clock, name="Amrit Kaur Sandhu")
    client, secret = portal_client(components, name="IRCC Portal")
    connect(components, filer.account, client)
    token = portal_token(portal, client, secret)
    numbers = ("E100001", "E100002", "E100003")
    ids = {
        n: register_application(
            portal, token, filer.account.subject, n, deep_link=f"https://portal.example/{n}"
        ).json()["id"]
        for n in numbers
    }
    return filer, ids


def _mark(browser, application_id, name, email):
    page = browser.get(f"/account/applications/{application_id}/filed-for")
    return browser.post(
        f"/account/applications/{application_id}/filed-for",
        data={
            "applicant_name": name,
            "applicant_email": email,
            "action": "save",
            "csrf_token": csrf_of(page),
        },
    )


@pytest.fixture
def converting(components, browser, portal, clock, mail):
    """The filer marked two applications, an existing account holds the second email."""
    ama = make_account(components, name="Ama Owusu", email="ama@example.ca")
    filer, ids = _client_account(components, browser, portal, clock)
    assert _mark(browser, ids["E100002"], "Kofi Mensah", "kofi@example.ca").status_code == 303
    assert _mark(browser, ids["E100003"], "Ama Owusu", "ama@example.ca").status_code == 303
    enrol(browser, mail, filer.account.email)
    return filer, ids, ama


def test_marking_an_application_names_the_field_at_fault(components, browser, portal, clock):
    filer, ids = _client_account(components, browser, portal, clock)
    wrong = _mark(browser, ids["E100001"], "", filer.account.email)
    assert wrong.status_code == 400
    assert 'id="applicant_name-error"' in wrong.text
    assert 'id="applicant_email-error"' in wrong.text
    listing = browser.get("/account/applications")
    assert "/account/applications/" in listing.text
    assert "/filed-for" in listing.text


def test_the_language_switch_on_a_refused_mark_names_the_program_in_french(
    components, browser, portal, clock
):
    filer = new_person(components, browser, clock)
    client, secret = make_profile_client(components, "ircc-portal")
    connect(components, filer.account, client)
    token = portal_token(portal, client, secret)
    application = register_application(
        portal, token, filer.account.subject, "W300", program="study_permit"
    ).json()
    wrong = _mark(browser, application["id"], "", filer.account.email)
    assert wrong.status_code == 400
    assert "Study permit W300" in wrong.text
    french = switch_language(browser, wrong)
    assert '<html lang="fr">' in french.text
    assert "Permis d’études W300" in french.text
    assert "Study permit" not in french.text


def test_a_client_account_gets_a_conversion_code_valid_30_minutes(
    components, browser, portal, clock, mail
):
    filer, _ = _client_account(components, browser, portal, clock)
    home = browser.get("/enrolment")
    assert "Convert your client account" in home.text
    browser.post("/enrolment/start", data={"csrf_token": any_csrf(browser)})
    subjects = mail.subjects(filer.account.email)
    assert subjects[-1] == "Your Passerelle conversion code"
    assert "expires in 30 minutes" in mail.texts(filer.account.email)[-1]
    assert "conversion code" in browser.get("/enrolment/email").text


def _approve(components, officer_browser, clock, reference):
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    assert (
        "Conversion of a client account"
        in officer_browser.get(f"/officer/enrolments/{enrolment_id}").text
    )
    return officer_decides(officer_browser, enrolment_id, "approve")


def _everything_allowed(db, actor, application_id, now):
    return all(
        decide(db, actor=actor, action=a, application_id=application_id, now=now).allowed
        for a in Action
    )


def test_approval_turns_what_was_filed_for_others_into_client_files_and_keeps_the_account(
    components, browser, officer_browser, portal, clock, mail, converting
):
    filer, ids, ama = converting
    with transaction(components) as db:
        before = db.get(Account, filer.account.id)
        subject, consents = before.subject, db.scalars(select(Consent)).all()
        assert consents
    reference = reference_of(browser)
    assert _approve(components, officer_browser, clock, reference).status_code == 303
    now = components.clock.now()
    with transaction(components) as db:
        account = db.get(Account, filer.account.id)
        assert account.subject == subject
        assert "representative" in account.roles
        assert db.scalar(select(Consent).where(Consent.account_id == account.id)) is not None
        own = get_application(db, ids["E100001"])
        assert own.applicant_subject == subject  # still the filer's own
        kofi = db.scalar(select(Account).where(Account.email == "kofi@example.ca"))
        assert kofi.status == "unclaimed"
        assert get_application(db, ids["E100002"]).applicant_subject == kofi.subject
        files = {f.application_id: f for f in db.scalars(select(ClientFile))}
        assert files[ids["E100002"]].status == "invited"
        assert files[ids["E100003"]].status == "awaiting_confirmation"
        for number in ("E100002", "E100003"):
            assert _everything_allowed(db, subject, ids[number], now), number
    assert browser.get("/account").status_code == 200  # the session lives on
    dashboard = browser.get("/account/dashboard").text
    assert "E100002" in dashboard
    assert "E100003" in dashboard
    assert "Kofi Mensah" in dashboard
    assert "passerelle_delegation=" in dashboard
    del ama


def test_the_real_applicant_claims_the_identity_by_invitation_and_keeps_its_sub(
    components, browser, officer_browser, portal, clock, mail, converting
):
    _filer, ids, _ = converting
    _approve(components, officer_browser, clock, reference_of(browser))
    invitation = mail.texts("kofi@example.ca")[-1]
    assert "E100002" in invitation
    assert "Amrit Kaur Sandhu" in invitation
    link = re.search(r"https://testserver(/invitations/accept\?token=\S+)", invitation).group(1)
    with transaction(components) as db:
        unclaimed = db.scalar(select(Account).where(Account.email == "kofi@example.ca")).subject
    with TestClient(browser.app, base_url="https://testserver", follow_redirects=False) as kofi:
        page = kofi.get(link)
        token = page.text.split('name="token" value="')[1].split('"')[0]
        accepted = kofi.post(
            "/invitations/accept",
            data={
                "token": token,
                "name": "Kofi Mensah",
                "password": PASSWORD,
                "csrf_token": csrf_of(page),
            },
        )
        assert accepted.status_code == 303
        assert "E100002" in kofi.get("/account/applications").text
        assert "Amrit Kaur Sandhu" in kofi.get("/account/representatives").text
    with transaction(components) as db:
        claimed = db.scalar(select(Account).where(Account.email == "kofi@example.ca"))
        assert claimed.subject == unclaimed
        assert claimed.status == "active"
        assert get_application(db, ids["E100002"]).applicant_subject == claimed.subject


def test_an_existing_account_confirms_its_client_file_while_signed_in(
    components, browser, officer_browser, portal, clock, mail, converting
):
    filer, ids, ama = converting
    _approve(components, officer_browser, clock, reference_of(browser))
    notice = mail.texts("ama@example.ca")[-1]
    assert "E100003" in notice
    assert "invitations/accept" not in notice  # an email never links accounts by itself
    with TestClient(browser.app, base_url="https://testserver", follow_redirects=False) as owner:
        sign_in(owner, "/login", "ama@example.ca")
        listing = owner.get("/account/client-files")
        (file_id,) = re.findall(r"/account/client-files/(\w+)/confirm", listing.text)
        owner.post(
            f"/account/client-files/{file_id}/confirm", data={"csrf_token": csrf_of(listing)}
        )
        assert "E100003" in owner.get("/account/applications").text
    now = components.clock.now()
    with transaction(components) as db:
        assert get_application(db, ids["E100003"]).applicant_subject == ama.subject
        assert _everything_allowed(db, filer.account.subject, ids["E100003"], now)


def _snapshot(components) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    rows: dict[str, list[tuple]] = {}
    with components.engine.connect() as connection:
        for metadata in ALL_METADATA:
            for table in metadata.sorted_tables:
                found = connection.execute(select(table)).all()
                rows[table.name] = sorted((tuple(map(_plain, r)) for r in found), key=repr)
    return rows


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def test_a_failure_in_the_middle_of_the_approval_leaves_everything_as_before(
    backend, components, browser, officer_browser, portal, clock, mail, converting
):
    if not backend.is_real:
        pytest.skip("the failure is injected with a PostgreSQL trigger")
    filer, ids, _ = converting
    reference = reference_of(browser)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    page = officer_browser.get(f"/officer/enrolments/{enrolment_id}")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    with components.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE FUNCTION injected_failure() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql"
            )
        )
        connection.execute(
            text(
                "CREATE TRIGGER fail_second_client_file BEFORE INSERT ON idp_client_files "
                f"FOR EACH ROW WHEN (NEW.application_id = '{ids['E100003']}') "
                "EXECUTE FUNCTION injected_failure()"
            )
        )
    before = _snapshot(components)
    with TestClient(
        browser.app,
        base_url="https://testserver",
        follow_redirects=False,
        raise_server_exceptions=False,
    ) as failing:
        failing.cookies.update(officer_browser.cookies)
        answer = failing.post(
            f"/officer/enrolments/{enrolment_id}/decision",
            data={
                "decision": "approve",
                "message": "",
                "version": version,
                "csrf_token": csrf_of(page),
            },
        )
    assert answer.status_code == 500
    assert _snapshot(components) == before
    assert not [m for m in mail.subjects(filer.account.email) if "approved" in m]
    with components.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER fail_second_client_file ON idp_client_files"))
    assert officer_decides(officer_browser, enrolment_id, "approve").status_code == 303
    with transaction(components) as db:
        assert len(db.scalars(select(ClientFile)).all()) == 2


def test_a_suspended_person_cannot_be_converted_and_nothing_is_left_half_done(
    components, browser, officer_browser, portal, clock, mail, converting
):
    from consent import suspend_actor
    from idp.representatives.models import Representative

    filer, ids, _ = converting
    with transaction(components) as db:
        suspend_actor(
            db,
            filer.account.subject,
            by="officer",
            reason="complaint",
            now=components.clock.now(),
            events=components.delegation_events,
        )
    refused = _approve(components, officer_browser, clock, reference_of(browser))
    assert refused.status_code == 409
    with transaction(components) as db:
        assert db.scalar(select(Representative)) is None
        assert db.scalar(select(ClientFile)) is None
        assert get_application(db, ids["E100002"]).applicant_subject == filer.account.subject
