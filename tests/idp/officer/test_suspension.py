"""Suspending and reinstating a representative, from the officer's page and the CLI, with a
reason: every delegation stops at once, paid representation and representative claims
stop, the representative is told in their language."""

from __future__ import annotations

import json

import pytest

from consent import Action, DelegationKind, decide
from idp.accounts.models import Account
from idp.cli.main import app as cli
from idp.representatives.service import find_representative, is_approved_representative
from tests.factories.idp import (
    connect,
    grant_delegation,
    make_account,
    make_representative,
    transaction,
)
from tests.idp.enrolment.journey import make_officer
from tests.idp.flows import (
    csrf_of,
    error_summary_links,
    portal_client,
    portal_token,
    register_application,
    switch_language,
)


def _paid_delegation(components, portal):
    rep = make_account(components, name="Amrit Kaur Sandhu", locale="fr")
    representative_id = make_representative(components, rep)
    applicant = make_account(components)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    application = register_application(
        portal, portal_token(portal, client, secret), applicant.subject, "E9"
    ).json()
    grant_delegation(
        components,
        applicant,
        rep,
        [application["id"]],
        kind=DelegationKind.REPRESENTATIVE_PAID,
        accept=True,
    )
    return rep, representative_id, application["id"]


def _allowed(components, rep, application_id):
    with transaction(components) as db:
        return decide(
            db,
            actor=rep.subject,
            action=Action.APPLICATION_READ,
            application_id=application_id,
            now=components.clock.now(),
        ).allowed


def test_an_officer_suspends_with_a_reason_and_it_applies_at_once(
    components, portal, browser, clock, mail
):
    rep, representative_id, application_id = _paid_delegation(components, portal)
    make_officer(components, browser, clock)
    found = browser.get(f"/officer/representatives?q={representative_id.lower()}")
    assert rep.email in found.text
    silent = browser.post(
        "/officer/representatives/status",
        data={"q": rep.email, "action": "suspend", "reason": "", "csrf_token": csrf_of(found)},
    )
    assert silent.status_code == 400
    assert 'href="#reason"' in silent.text
    assert _allowed(components, rep, application_id)
    done = browser.post(
        "/officer/representatives/status",
        data={
            "q": rep.email,
            "action": "suspend",
            "reason": "Licence under investigation.",
            "csrf_token": csrf_of(found),
        },
    )
    assert "notice=suspended_1" in done.headers["location"]
    assert _allowed(components, rep, application_id) is False
    assert not _allowed(components, rep, application_id)
    with transaction(components) as db:
        assert not is_approved_representative(db, rep.subject)
        record = find_representative(db, rep.subject)
        assert record.status == "suspended"
        assert record.status_reason == "Licence under investigation."
    text = mail.texts(rep.email)[-1]
    assert "suspendu" in text
    assert "Licence under investigation." in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Enter the reason for this change (500 characters at most)."),
        ("fr", "Entrez la raison de ce changement (500 caractères au plus)."),
    ],
)
def test_a_missing_or_long_reason_is_asked_for_by_name_with_its_limit(
    components, portal, browser, clock, lang, expected
):
    """Not "This field is required." with the limit only in the hint."""
    rep, _, _ = _paid_delegation(components, portal)
    make_officer(components, browser, clock)
    found = browser.get(f"/officer/representatives?q={rep.email}&lang={lang}")
    for reason in ("", "x" * 501):
        refused = browser.post(
            "/officer/representatives/status",
            data={
                "q": rep.email,
                "action": "suspend",
                "reason": reason,
                "csrf_token": csrf_of(found),
            },
        )
        assert refused.status_code == 400
        assert error_summary_links(refused.text) == [("reason", expected)]
        assert f"</span>{expected}</p>" in refused.text  # beside the field too


def test_the_language_switch_on_a_refused_reason_keeps_the_error_and_the_reason_typed(
    components, portal, browser, clock
):
    rep, representative_id, _ = _paid_delegation(components, portal)
    make_officer(components, browser, clock)
    found = browser.get(f"/officer/representatives?q={rep.email}")
    reason = "The licence is under investigation. " * 14  # 504 characters: over the limit
    refused = browser.post(
        "/officer/representatives/status",
        data={"q": rep.email, "action": "suspend", "reason": reason, "csrf_token": csrf_of(found)},
    )
    assert refused.status_code == 400
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    expected = "Entrez la raison de ce changement (500 caractères au plus)."
    assert error_summary_links(french.text) == [("reason", expected)]
    assert f">{reason}</textarea>" in french.text
    assert representative_id in french.text
    assert "Suspendre immédiatement" in french.text  # the same action offered


def test_an_officer_reinstates_with_a_reason(components, portal, browser, clock, mail):
    rep, representative_id, application_id = _paid_delegation(components, portal)
    make_officer(components, browser, clock)
    page = browser.get(f"/officer/representatives?q={rep.email}")
    for action, reason in (("suspend", "Complaint."), ("reinstate", "Complaint dismissed.")):
        browser.post(
            "/officer/representatives/status",
            data={"q": rep.email, "action": action, "reason": reason, "csrf_token": csrf_of(page)},
        )
    with transaction(components) as db:
        assert is_approved_representative(db, rep.subject)
        assert find_representative(db, rep.subject).representative_id == representative_id
    assert "Complaint dismissed." in mail.texts(rep.email)[-1]
    assert _allowed(components, rep, application_id)  # the delegation is back as it was


def test_the_representatives_page_is_for_officers(components, browser):
    from tests.idp.flows import sign_in

    account = make_account(components)
    sign_in(browser, "/login", account.email)
    assert browser.get("/officer/representatives").status_code == 403


@pytest.fixture
def runner(cli_env):
    return cli_env


def test_the_cli_suspends_and_reinstates_with_a_reason(components, portal, runner, mail):
    rep, _, application_id = _paid_delegation(components, portal)
    officer = make_account(components)
    with transaction(components) as db:
        db.get(Account, officer.id).roles = ["officer"]
    by = ["--email", rep.email, "--officer", officer.email, "--json"]
    empty = runner.invoke(cli, ["representatives", "suspend", *by])
    assert json.loads(empty.output)["field"] == "reason"  # a reason is required
    done = runner.invoke(cli, ["representatives", "suspend", "--reason", "Audit", *by])
    assert json.loads(done.output) == {"suspended_delegations": 1}
    assert not _allowed(components, rep, application_id)
    back = runner.invoke(cli, ["representatives", "reinstate", "--reason", "Cleared", *by])
    assert json.loads(back.output) == {"reinstated_delegations": 1}
    assert _allowed(components, rep, application_id)
    with transaction(components) as db:
        assert is_approved_representative(db, rep.subject)
    assert "Cleared" in mail.texts(rep.email)[-1]
