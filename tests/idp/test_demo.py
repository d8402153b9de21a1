"""`idp demo` seeds a portal, an applicant with applications, and an active delegation."""

from __future__ import annotations

from datetime import UTC, datetime

from consent import Action, applications_of_applicant, decide, delegations_of_principal
from idp.accounts.service import find_account_by_email
from idp.cli.demo import DEMO_EMAIL, DEMO_REPRESENTATIVE, seed_demo
from tests.factories.idp import transaction


def test_demo_shows_delegation_and_running_it_again_adds_nothing(components, settings):
    lines = seed_demo(settings, 8000)
    assert any(DEMO_REPRESENTATIVE in line for line in lines)
    assert any("/authorize?response_type=code" in line for line in lines)
    seed_demo(settings, 8000)
    with transaction(components) as db:
        applicant = find_account_by_email(db, DEMO_EMAIL)
        representative = find_account_by_email(db, DEMO_REPRESENTATIVE)
        assert applicant is not None
        assert representative is not None
        study, work = sorted(
            applications_of_applicant(db, applicant.subject), key=lambda a: a.portal_reference
        )
        assert (study.portal_reference, work.portal_reference) == ("E000123", "W000456")
        assert len(delegations_of_principal(db, applicant.subject)) == 1
        now = datetime.now(UTC)  # the demo is seeded at the real time, not the test clock
        allowed = decide(
            db,
            actor=representative.subject,
            action=Action.DOCUMENTS_UPLOAD,
            application_id=study.id,
            now=now,
        )
        assert allowed.reason == "allowed"
        other = decide(
            db,
            actor=representative.subject,
            action=Action.APPLICATION_READ,
            application_id=work.id,
            now=now,
        )
        assert other.reason == "no_delegation"
