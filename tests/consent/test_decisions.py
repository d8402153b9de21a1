"""decide(): may actor A do action X on application Y now? With the reason."""

from __future__ import annotations

from datetime import timedelta

from consent import Action, accept_delegation, decide, revoke_delegation
from tests.consent.conftest import NO_EVENTS, active, appoint


def _decide(db, action, application, now):
    return decide(db, actor="rep-sub", action=action, application_id=application.id, now=now)


def test_granted_action_is_allowed_with_the_delegation_named(db_session, make_application, now):
    application = make_application()
    delegation = active(db_session, [application], now=now, approved=True)
    decision = _decide(db_session, Action.DOCUMENTS_UPLOAD, application, now)
    assert decision.allowed is True
    assert decision.reason == "allowed"
    assert decision.delegation_id == delegation.id
    assert decision.principal == "applicant-sub"


def test_action_outside_the_delegation_is_refused(db_session, make_application, now):
    application = make_application()
    active(db_session, [application], now=now, approved=True)
    decision = _decide(db_session, Action.PAYMENT_MAKE, application, now)
    assert (decision.allowed, decision.reason) == (False, "action_not_granted")


def test_other_applications_are_not_covered(db_session, make_application, now):
    covered, other = make_application(), make_application()
    active(db_session, [covered], now=now, approved=True)
    decision = _decide(db_session, Action.APPLICATION_READ, other, now)
    assert (decision.allowed, decision.reason) == (False, "no_delegation")


def test_all_applications_at_a_portal_covers_new_ones_there_only(db_session, make_application, now):
    active(db_session, [], now=now, approved=True, portal="portal-a")
    later = make_application(portal="portal-a")
    elsewhere = make_application(portal="portal-b")
    assert _decide(db_session, "application.read", later, now).allowed is True
    assert _decide(db_session, "application.read", elsewhere, now).allowed is False


def test_pending_revoked_and_expired_delegations_allow_nothing(db_session, make_application, now):
    application = make_application()
    pending = appoint(db_session, [application], now=now, approved=True)
    assert _decide(db_session, "application.read", application, now).reason == "no_delegation"
    accept_delegation(db_session, pending.id, "rep-sub", now, events=NO_EVENTS)
    later = now + timedelta(days=31)
    assert _decide(db_session, "application.read", application, later).reason == "expired"
    revoke_delegation(db_session, pending.id, "applicant-sub", now, events=NO_EVENTS)
    assert _decide(db_session, "application.read", application, now).allowed is False


def test_applicant_may_act_on_their_own_application(db_session, make_application, now):
    application = make_application()
    decision = decide(
        db_session,
        actor="applicant-sub",
        action=Action.APPLICATION_SUBMIT,
        application_id=application.id,
        now=now,
    )
    assert (decision.allowed, decision.reason) == (True, "own_application")


def test_unknown_application_is_refused(db_session, now):
    decision = decide(
        db_session, actor="rep-sub", action="application.read", application_id="nope", now=now
    )
    assert (decision.allowed, decision.reason) == (False, "no_application")
