"""decide(): may actor A do action X on application Y now? With the reason."""

from __future__ import annotations

from datetime import timedelta

from consent import Action, accept_delegation, decide, grant_delegation, revoke_delegation
from tests.consent.conftest import NO_EVENTS, request_for


def _active(db, applications, now, **kwargs):
    delegation = grant_delegation(
        db,
        request_for(applications, **kwargs),
        actor_is_approved_representative=True,
        now=now,
        events=NO_EVENTS,
    )
    accept_delegation(db, delegation.id, kwargs.get("actor", "rep-sub"), now, events=NO_EVENTS)
    return delegation


def test_granted_action_is_allowed_with_the_delegation_named(db_session, make_application, now):
    application = make_application()
    delegation = _active(db_session, [application], now)
    decision = decide(
        db_session,
        actor="rep-sub",
        action=Action.DOCUMENTS_UPLOAD,
        application_id=application.id,
        now=now,
    )
    assert decision.allowed is True
    assert decision.reason == "allowed"
    assert decision.delegation_id == delegation.id
    assert decision.principal == "applicant-sub"


def test_action_outside_the_delegation_is_refused(db_session, make_application, now):
    application = make_application()
    _active(db_session, [application], now)
    decision = decide(
        db_session,
        actor="rep-sub",
        action=Action.PAYMENT_MAKE,
        application_id=application.id,
        now=now,
    )
    assert (decision.allowed, decision.reason) == (False, "action_not_granted")


def test_other_applications_are_not_covered(db_session, make_application, now):
    covered, other = make_application(), make_application()
    _active(db_session, [covered], now)
    decision = decide(
        db_session,
        actor="rep-sub",
        action=Action.APPLICATION_READ,
        application_id=other.id,
        now=now,
    )
    assert (decision.allowed, decision.reason) == (False, "no_delegation")


def test_all_applications_at_a_portal_covers_new_ones_there_only(db_session, make_application, now):
    _active(db_session, [], now, portal="portal-a")
    later = make_application(portal="portal-a")
    elsewhere = make_application(portal="portal-b")
    assert (
        decide(
            db_session, actor="rep-sub", action="application.read", application_id=later.id, now=now
        ).allowed
        is True
    )
    assert (
        decide(
            db_session,
            actor="rep-sub",
            action="application.read",
            application_id=elsewhere.id,
            now=now,
        ).allowed
        is False
    )


def test_pending_revoked_and_expired_delegations_allow_nothing(db_session, make_application, now):
    application = make_application()
    pending = grant_delegation(
        db_session,
        request_for([application]),
        actor_is_approved_representative=True,
        now=now,
        events=NO_EVENTS,
    )
    assert (
        decide(
            db_session,
            actor="rep-sub",
            action="application.read",
            application_id=application.id,
            now=now,
        ).reason
        == "no_delegation"
    )
    accept_delegation(db_session, pending.id, "rep-sub", now, events=NO_EVENTS)
    later = now + timedelta(days=31)
    assert (
        decide(
            db_session,
            actor="rep-sub",
            action="application.read",
            application_id=application.id,
            now=later,
        ).reason
        == "expired"
    )
    revoke_delegation(db_session, pending.id, "applicant-sub", now, events=NO_EVENTS)
    assert (
        decide(
            db_session,
            actor="rep-sub",
            action="application.read",
            application_id=application.id,
            now=now,
        ).allowed
        is False
    )


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
