"""Every delegation step tells the `DelegationEvents` port what changed, and for which
portals (issue 8 item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent import (
    Action,
    DelegationChange,
    DelegationEvent,
    DelegationKind,
    DelegationStatus,
    InvalidDelegation,
    accept_delegation,
    approve_request,
    change_delegation,
    decline_delegation,
    reinstate_actor,
    revoke_delegation,
    suspend_actor,
)
from tests.consent.conftest import appoint, ask

REP, APPLICANT, OFFICER = "rep-sub", "applicant-sub", "officer-sub"


class RecordedEvents:
    """A `DelegationEvents` keeping what it was told."""

    def __init__(self) -> None:
        self.changes: list[DelegationChange] = []

    def delegation_changed(self, db, change: DelegationChange) -> None:  # noqa: ARG002  # the port's signature
        self.changes.append(change)

    def events(self) -> list[str]:
        return [c.event.value for c in self.changes]


@pytest.fixture
def events():
    return RecordedEvents()


def _grant(db, applications, now, events, **kwargs):
    return appoint(db, applications, **kwargs, now=now, events=events)


def test_each_step_is_told_once_with_who_did_it_and_the_status_after(
    db_session, make_application, now, events
):
    application = make_application()
    granted = _grant(db_session, [application], now, events)
    accept_delegation(db_session, granted.id, REP, now, events=events)
    suspend_actor(db_session, REP, by=OFFICER, reason="review", now=now, events=events)
    reinstate_actor(db_session, REP, by=OFFICER, now=now, events=events)
    revoke_delegation(db_session, granted.id, APPLICANT, now, events=events)
    asked = ask(db_session, [application], now=now, events=events)
    approve_request(db_session, asked.id, APPLICANT, now, events=events)
    declined = _grant(db_session, [application], now, events)
    decline_delegation(db_session, declined.id, REP, now, events=events)
    told = [(c.event, c.by, c.status, c.previous_status) for c in events.changes]
    assert told == [
        ("granted", APPLICANT, "pending_acceptance", None),
        ("accepted", REP, "active", "pending_acceptance"),
        ("suspended", OFFICER, "suspended", "active"),
        ("reinstated", OFFICER, "active", "suspended"),
        ("revoked", APPLICANT, "revoked", "active"),
        ("requested", REP, "requested", None),
        ("approved", APPLICANT, "active", "requested"),
        ("granted", APPLICANT, "pending_acceptance", None),
        ("declined", REP, "declined", "pending_acceptance"),
    ]
    suspended = events.changes[2]
    assert suspended.reason == "review"
    assert suspended.at == now


def test_a_change_describes_the_delegation_after_it(db_session, make_application, now, events):
    application = make_application()
    delegation = _grant(db_session, [application], now, events)
    until = now + timedelta(days=10)
    change_delegation(
        db_session,
        delegation.id,
        APPLICANT,
        actions=[Action.APPLICATION_READ],
        valid_until=until,
        application_ids=[application.id],
        actor_is_approved_representative=False,
        now=now,
        events=events,
    )
    change = events.changes[-1]
    assert change.event == DelegationEvent.CHANGED
    assert (change.delegation_id, change.principal, change.actor) == (delegation.id, APPLICANT, REP)
    assert change.kind == DelegationKind.REPRESENTATIVE_UNPAID
    assert change.status == DelegationStatus.PENDING_ACCEPTANCE
    assert change.actions == ("application.read",)
    assert change.valid_until == until
    assert change.portals == {"portal-a": (application.portal_reference,)}


def test_a_portal_that_lost_its_applications_in_a_change_is_told_too(
    db_session, make_application, now, events
):
    before, after = make_application(portal="portal-a"), make_application(portal="portal-b")
    delegation = _grant(db_session, [before], now, events)
    accept_delegation(db_session, delegation.id, REP, now, events=events)
    change_delegation(
        db_session,
        delegation.id,
        APPLICANT,
        actions=[Action.APPLICATION_READ],
        valid_until=delegation.valid_until,
        application_ids=[after.id],
        actor_is_approved_representative=False,
        now=now,
        events=events,
    )
    assert events.changes[-1].portals == {
        "portal-a": (),
        "portal-b": (after.portal_reference,),
    }


def test_all_applications_at_a_portal_names_the_portal(db_session, make_application, now, events):
    make_application(portal="portal-a")
    _grant(db_session, [], now, events, portal="portal-a")
    assert events.changes[-1].portals == {"portal-a": ()}


def test_a_refused_step_tells_nothing(db_session, make_application, now, events):
    with pytest.raises(InvalidDelegation):
        _grant(db_session, [make_application()], now, events, days=-1)
    assert events.changes == []
