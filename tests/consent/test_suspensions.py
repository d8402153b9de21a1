"""Suspension covers every delegation to the actor and every step; reinstatement restores
exactly what it stopped (issue 7 item 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent import (
    Action,
    ActorSuspended,
    DelegationKind,
    DelegationStatus,
    accept_delegation,
    access_allows,
    approve_request,
    change_delegation,
    decide,
    effective_status,
    events_for,
    grant_delegation,
    is_actor_suspended,
    reinstate_actor,
    request_delegation,
    resolve_access,
    revoke_delegation,
    suspend_actor,
)
from consent.errors import AccessRefused, InvalidDelegation
from tests.consent.conftest import NO_EVENTS, appoint, ask, request_for

REP, APPLICANT, OFFICER = "rep-sub", "applicant-sub", "officer-sub"


@pytest.fixture
def three(db_session, make_application, now):
    """A requested, a pending and an active delegation to the representative."""
    requested = ask(db_session, [make_application()], now=now)
    pending = _grant(db_session, make_application(), now)
    active = _grant(db_session, make_application(), now)
    accept_delegation(db_session, active.id, REP, now, events=NO_EVENTS)
    return requested, pending, active


def _grant(db, application, now, **kwargs):
    return appoint(db, [application], **kwargs, now=now, approved=True)


def _suspend(db, now, reason="licence under review"):
    return suspend_actor(db, REP, by=OFFICER, reason=reason, now=now, events=NO_EVENTS)


def _reinstate(db, now):
    return reinstate_actor(db, REP, by=OFFICER, now=now, events=NO_EVENTS)


def test_suspension_stops_requested_pending_and_active_delegations(db_session, three, now):
    stopped = _suspend(db_session, now)
    assert {d.id for d in stopped} == {d.id for d in three}
    assert all(d.status == DelegationStatus.SUSPENDED for d in three)
    assert [d.suspended_from for d in three] == ["requested", "pending_acceptance", "active"]
    assert is_actor_suspended(db_session, REP)
    assert not is_actor_suspended(db_session, APPLICANT)


def test_suspending_twice_changes_nothing_more(db_session, three, now):
    _suspend(db_session, now, reason="first")
    entries = len(events_for(db_session, APPLICANT))
    assert _suspend(db_session, now + timedelta(hours=1), reason="second") == []
    assert len(events_for(db_session, APPLICANT)) == entries
    assert [d.suspended_from for d in three] == ["requested", "pending_acceptance", "active"]


def test_a_suspended_actor_cannot_accept(db_session, three, now):
    _, pending, _ = three
    _suspend(db_session, now)
    with pytest.raises(ActorSuspended) as error:
        accept_delegation(db_session, pending.id, REP, now, events=NO_EVENTS)
    assert (error.value.code, error.value.field) == ("actor_suspended", "actor")


def test_a_suspended_actor_cannot_be_approved(db_session, three, now):
    requested, _, _ = three
    _suspend(db_session, now)
    with pytest.raises(ActorSuspended) as error:
        approve_request(db_session, requested.id, APPLICANT, now, events=NO_EVENTS)
    assert error.value.field == "actor"


@pytest.mark.parametrize("step", [grant_delegation, request_delegation])
def test_a_suspended_actor_cannot_be_appointed_nor_ask(db_session, make_application, now, step):
    _suspend(db_session, now)
    with pytest.raises(ActorSuspended) as error:
        step(
            db_session,
            request_for([make_application()], kind=DelegationKind.REPRESENTATIVE_PAID),
            actor_is_approved_representative=True,
            now=now,
            events=NO_EVENTS,
        )
    assert (error.value.code, error.value.field) == ("actor_suspended", "actor")


def test_no_delegation_is_changed_to_a_suspended_actor(db_session, three, now):
    *_, active = three
    _suspend(db_session, now)
    with pytest.raises(ActorSuspended):
        change_delegation(
            db_session,
            active.id,
            APPLICANT,
            actions=[Action.APPLICATION_READ],
            valid_until=active.valid_until,
            application_ids=[],
            actor_is_approved_representative=True,
            now=now,
            events=NO_EVENTS,
        )


def test_a_suspended_actor_gets_no_decision_and_no_delegated_access(
    db_session, make_application, now
):
    application = make_application()
    active = _grant(db_session, application, now)
    accept_delegation(db_session, active.id, REP, now, events=NO_EVENTS)
    grants = [(application.id, ["application.read"])]
    assert access_allows(db_session, active.id, now, grants)
    _suspend(db_session, now)
    decision = decide(
        db_session,
        actor=REP,
        action=Action.APPLICATION_READ,
        application_id=application.id,
        now=now,
    )
    assert (decision.allowed, decision.reason) == (False, "actor_suspended")
    assert not access_allows(db_session, active.id, now, grants)
    with pytest.raises(AccessRefused) as refused:
        resolve_access(
            db_session,
            actor=REP,
            portal_client_id=application.portal_client_id,
            requested=[(application.portal_reference, ["application.read"])],
            now=now,
        )
    assert refused.value.reason == "actor_suspended"


def test_reinstatement_restores_exactly_what_the_suspension_stopped(db_session, three, now):
    requested, pending, active = three
    _suspend(db_session, now)
    assert _reinstate(db_session, now)
    assert not is_actor_suspended(db_session, REP)
    assert [d.status for d in three] == ["requested", "pending_acceptance", "active"]
    assert all(d.suspended_from is None for d in three)
    assert accept_delegation(db_session, pending.id, REP, now, events=NO_EVENTS)
    assert approve_request(db_session, requested.id, APPLICANT, now, events=NO_EVENTS)
    assert _reinstate(db_session, now) == []  # reinstating again changes nothing
    assert active.status == DelegationStatus.ACTIVE


def test_what_the_applicant_revoked_meanwhile_stays_revoked(db_session, three, now):
    _, pending, active = three
    _suspend(db_session, now)
    revoke_delegation(db_session, active.id, APPLICANT, now, events=NO_EVENTS)
    restored = _reinstate(db_session, now)
    assert [d.id for d in restored] == sorted([d.id for d in three if d is not active])
    assert active.status == DelegationStatus.REVOKED
    assert pending.status == DelegationStatus.PENDING_ACCEPTANCE


def test_an_active_delegation_that_ended_meanwhile_comes_back_expired(
    db_session, make_application, now
):
    delegation = _grant(db_session, make_application(), now, days=1)
    accept_delegation(db_session, delegation.id, REP, now, events=NO_EVENTS)
    _suspend(db_session, now)
    later = now + timedelta(days=2)
    _reinstate(db_session, later)
    assert effective_status(delegation, later) == DelegationStatus.EXPIRED


def test_the_activity_names_who_suspended_and_reinstated_and_why(db_session, three, now):
    _suspend(db_session, now, reason="licence under review")
    _reinstate(db_session, now)
    entries = [e for e in events_for(db_session, APPLICANT) if e.event.startswith("delegation.")]
    suspended = [e for e in entries if e.event == "delegation.suspended"]
    reinstated = [e for e in entries if e.event == "delegation.reinstated"]
    assert len(suspended) == len(reinstated) == 3
    assert {e.actor for e in suspended + reinstated} == {OFFICER}
    assert {e.details["reason"] for e in suspended} == {"licence under review"}
    assert {e.details["suspended_from"] for e in suspended} == {
        "requested",
        "pending_acceptance",
        "active",
    }


def test_a_reason_longer_than_the_limit_is_refused(db_session, now):
    with pytest.raises(InvalidDelegation) as error:
        _suspend(db_session, now, reason="x" * 501)
    assert error.value.field == "reason"
    assert not is_actor_suspended(db_session, REP)
