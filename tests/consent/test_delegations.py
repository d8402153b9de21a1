"""Delegation rules and life cycle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from consent import (
    Action,
    DelegationKind,
    DelegationNotFound,
    DelegationStateError,
    DelegationStatus,
    InvalidDelegation,
    accept_delegation,
    approve_request,
    decline_delegation,
    effective_status,
    events_for,
    grant_delegation,
    last_delegation_day,
    revoke_delegation,
)
from idp.clock import end_of_day
from tests.consent.conftest import NO_EVENTS, appoint, ask, request_for


def test_granted_delegation_waits_for_the_actor_to_accept(db_session, make_application, now):
    application = make_application()
    delegation = appoint(db_session, [application], now=now)
    assert delegation.status == DelegationStatus.PENDING_ACCEPTANCE
    accepted = accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    assert accepted.status == DelegationStatus.ACTIVE


def test_only_the_named_actor_can_accept(db_session, make_application, now):
    delegation = appoint(db_session, [make_application()], now=now)
    with pytest.raises(DelegationNotFound) as error:
        accept_delegation(db_session, delegation.id, "someone-else", now, events=NO_EVENTS)
    assert error.value.code == "delegation_not_found"


def test_paid_representation_needs_an_approved_representative(db_session, make_application, now):
    request = request_for([make_application()], kind=DelegationKind.REPRESENTATIVE_PAID)
    with pytest.raises(InvalidDelegation) as error:
        grant_delegation(
            db_session, request, actor_is_approved_representative=False, now=now, events=NO_EVENTS
        )
    assert error.value.code == "paid_needs_approved_representative"
    assert error.value.field == "kind"
    assert grant_delegation(
        db_session, request, actor_is_approved_representative=True, now=now, events=NO_EVENTS
    )


def test_designated_individual_gets_read_actions_only(db_session, make_application, now):
    request = request_for(
        [make_application()],
        kind=DelegationKind.DESIGNATED_INDIVIDUAL,
        actions=(Action.APPLICATION_READ, Action.PAYMENT_MAKE),
    )
    with pytest.raises(InvalidDelegation) as error:
        grant_delegation(
            db_session, request, actor_is_approved_representative=False, now=now, events=NO_EVENTS
        )
    assert error.value.code == "designated_individual_read_only"
    ok = request_for(
        [make_application()],
        kind=DelegationKind.DESIGNATED_INDIVIDUAL,
        actions=(Action.APPLICATION_READ, Action.CORRESPONDENCE_READ),
    )
    assert grant_delegation(
        db_session, ok, actor_is_approved_representative=False, now=now, events=NO_EVENTS
    )


def test_someone_elses_application_cannot_be_delegated(db_session, make_application, now):
    theirs = make_application(applicant="other-sub")
    with pytest.raises(InvalidDelegation) as error:
        appoint(db_session, [theirs], now=now)
    assert error.value.field == "applications"


@pytest.mark.parametrize(
    ("days", "field"), [(0, "valid_until"), (-1, "valid_until"), (2000, "valid_until")]
)
def test_end_date_must_be_in_the_future_and_within_three_years(
    db_session, make_application, now, days, field
):
    with pytest.raises(InvalidDelegation) as error:
        appoint(db_session, [make_application()], days=days, now=now)
    assert error.value.field == field


TORONTO = ZoneInfo("America/Toronto")


@pytest.mark.parametrize(
    ("now", "last_day"),
    [
        # 1096 days: 2028 has a 29 February (3 x 365 days refused this day)
        (datetime(2026, 12, 4, 17, tzinfo=UTC), date(2029, 12, 4)),
        # no 29 February in 2031: the 28th, never more than three years
        (datetime(2028, 2, 29, 17, tzinfo=UTC), date(2031, 2, 28)),
        # 22:00 on 4 December in Toronto, already the 5th in UTC: Toronto's calendar counts
        (datetime(2026, 12, 5, 3, tzinfo=UTC), date(2029, 12, 4)),
    ],
    ids=["over-a-leap-day", "from-a-leap-day", "the-zones-day"],
)
def test_a_delegation_may_last_until_the_same_day_three_calendar_years_later(
    db_session, make_application, now, last_day
):
    """The day typed lasts until midnight in the service's zone (`end_of_day`); the last
    one accepted is the same day three years later there, the next one is refused."""
    assert last_delegation_day(now, TORONTO) == last_day
    application = make_application()

    def grant_until(day: date):
        request = replace(request_for([application]), valid_until=end_of_day(day, TORONTO))
        return grant_delegation(
            db_session,
            request,
            actor_is_approved_representative=False,
            now=now,
            events=NO_EVENTS,
            zone=TORONTO,
        )

    assert grant_until(last_day).valid_until == end_of_day(last_day, TORONTO)
    with pytest.raises(InvalidDelegation) as error:
        grant_until(last_day + timedelta(days=1))
    assert (error.value.code, error.value.field) == ("ends_too_late", "valid_until")
    assert error.value.message == (
        f"a delegation lasts at most 3 years: until {last_day.isoformat()} at the latest"
    )


def test_no_delegation_to_oneself_nor_without_actions(db_session, make_application, now):
    with pytest.raises(InvalidDelegation):
        appoint(db_session, [make_application()], actor="applicant-sub", now=now)
    with pytest.raises(InvalidDelegation) as error:
        appoint(db_session, [make_application()], actions=(), now=now)
    assert error.value.field == "actions"


def test_representative_request_becomes_active_when_the_applicant_approves(
    db_session, make_application, now
):
    requested = ask(db_session, [make_application()], now=now)
    assert requested.status == DelegationStatus.REQUESTED
    with pytest.raises(DelegationStateError):
        accept_delegation(db_session, requested.id, "rep-sub", now, events=NO_EVENTS)
    approved = approve_request(db_session, requested.id, "applicant-sub", now, events=NO_EVENTS)
    assert approved.status == DelegationStatus.ACTIVE


def test_revoked_delegation_cannot_be_accepted_again(db_session, make_application, now):
    delegation = appoint(db_session, [make_application()], now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    revoked = revoke_delegation(db_session, delegation.id, "applicant-sub", now, events=NO_EVENTS)
    assert revoked.status == DelegationStatus.REVOKED
    with pytest.raises(DelegationStateError):
        accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)


def test_delegation_expires_at_its_end_date(db_session, make_application, now):
    delegation = appoint(db_session, [make_application()], days=1, now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    assert effective_status(delegation, now) == DelegationStatus.ACTIVE
    assert effective_status(delegation, now + timedelta(days=1)) == DelegationStatus.EXPIRED


def test_the_actor_declines_a_pending_appointment(db_session, make_application, now):
    delegation = appoint(db_session, [make_application()], now=now)
    with pytest.raises(DelegationNotFound):
        decline_delegation(db_session, delegation.id, "someone-else", now, events=NO_EVENTS)
    declined = decline_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    assert declined.status == DelegationStatus.DECLINED
    assert (declined.ended_at, declined.ended_by) == (now, "rep-sub")
    with pytest.raises(DelegationStateError):
        accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    (entry,) = [e for e in events_for(db_session, "applicant-sub") if e.event.endswith("declined")]
    assert (entry.event, entry.actor) == ("delegation.declined", "rep-sub")


def test_only_a_pending_appointment_can_be_declined(db_session, make_application, now):
    delegation = appoint(db_session, [make_application()], now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    with pytest.raises(DelegationStateError) as error:
        decline_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    assert error.value.code == "delegation_state"


def test_only_the_applicant_approves_and_only_the_two_parties_revoke(
    db_session, make_application, now
):
    requested = ask(db_session, [make_application()], now=now)
    with pytest.raises(DelegationNotFound):
        approve_request(db_session, requested.id, "someone-else", now, events=NO_EVENTS)
    with pytest.raises(DelegationNotFound):
        revoke_delegation(db_session, requested.id, "someone-else", now, events=NO_EVENTS)
    for unknown in ("no-such-delegation", "x" * 33):
        with pytest.raises(DelegationNotFound) as error:
            revoke_delegation(db_session, unknown, "applicant-sub", now, events=NO_EVENTS)
        assert error.value.code == "delegation_not_found"
    assert revoke_delegation(db_session, requested.id, "rep-sub", now, events=NO_EVENTS)
