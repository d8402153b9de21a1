"""Changing a delegation: narrowing applies at once, widening needs the actor again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent import (
    Action,
    DelegationKind,
    DelegationNotFound,
    DelegationStateError,
    DelegationStatus,
    InvalidDelegation,
    accept_delegation,
    application_ids_of,
    change_delegation,
    delegation_allows,
    events_for,
    revoke_delegation,
)
from tests.consent.conftest import NO_EVENTS, appoint

READ, UPLOAD, PAY = Action.APPLICATION_READ, Action.DOCUMENTS_UPLOAD, Action.PAYMENT_MAKE


@pytest.fixture
def active(db_session, make_application, now):
    first, second = make_application(), make_application()
    delegation = appoint(db_session, [first, second], now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    return delegation, first, second


def _change(db_session, delegation, now, *, by="applicant-sub", **fields):
    values = {
        "actions": [READ, UPLOAD],
        "valid_until": delegation.valid_until,
        "application_ids": application_ids_of(db_session, delegation.id),
        "actor_is_approved_representative": False,
        "now": now,
    }
    values.update(fields)
    return change_delegation(db_session, delegation.id, by, **values, events=NO_EVENTS)


def test_narrowing_stays_active_and_removed_access_stops_at_once(db_session, active, now):
    delegation, first, second = active
    assert delegation_allows(db_session, delegation.id, now)  # names no application
    assert delegation_allows(db_session, delegation.id, now, [(second.id, ["documents.upload"])])
    changed = _change(db_session, delegation, now, actions=[READ], application_ids=[first.id])
    assert changed.status == DelegationStatus.ACTIVE
    assert application_ids_of(db_session, delegation.id) == [first.id]
    # A token for what was removed stops; a token for what is left still works.
    assert not delegation_allows(db_session, delegation.id, now, [(first.id, ["documents.upload"])])
    assert not delegation_allows(
        db_session, delegation.id, now, [(second.id, ["application.read"])]
    )
    assert delegation_allows(db_session, delegation.id, now, [(first.id, ["application.read"])])


@pytest.mark.parametrize(
    "widen",
    [
        {"actions": [READ, UPLOAD, Action.CORRESPONDENCE_READ]},
        {"valid_until_days": 200},
    ],
)
def test_widening_needs_the_actor_to_accept_again(db_session, active, now, widen):
    delegation, first, _ = active
    fields = dict(widen)
    if "valid_until_days" in fields:
        fields["valid_until"] = now + timedelta(days=fields.pop("valid_until_days"))
    changed = _change(db_session, delegation, now, **fields)
    assert changed.status == DelegationStatus.PENDING_ACCEPTANCE
    assert not delegation_allows(db_session, delegation.id, now, [(first.id, ["application.read"])])
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    assert delegation_allows(db_session, delegation.id, now, [(first.id, ["application.read"])])


def test_adding_an_application_is_widening(db_session, make_application, now):
    first, later = make_application(), make_application()
    delegation = appoint(db_session, [first], now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    changed = _change(db_session, delegation, now, application_ids=[first.id, later.id])
    assert changed.status == DelegationStatus.PENDING_ACCEPTANCE


def test_the_rules_of_granting_hold_for_changes(db_session, make_application, now):
    application = make_application()
    designated = appoint(
        db_session,
        [application],
        kind=DelegationKind.DESIGNATED_INDIVIDUAL,
        actions=[READ],
        now=now,
    )
    with pytest.raises(InvalidDelegation) as error:
        _change(db_session, designated, now, actions=[READ, PAY])
    assert error.value.code == "designated_individual_read_only"
    with pytest.raises(InvalidDelegation) as error:
        _change(db_session, designated, now, actions=[READ], valid_until=now - timedelta(days=1))
    assert error.value.field == "valid_until"
    with pytest.raises(InvalidDelegation) as error:
        _change(db_session, designated, now, actions=[READ], application_ids=[])
    assert error.value.field == "applications"
    assert designated.actions == ["application.read"]  # nothing was saved


def test_only_the_applicant_changes_and_only_a_living_delegation(db_session, active, now):
    delegation, *_ = active
    with pytest.raises(DelegationNotFound):
        _change(db_session, delegation, now, by="rep-sub")
    revoke_delegation(db_session, delegation.id, "applicant-sub", now, events=NO_EVENTS)
    with pytest.raises(DelegationStateError):
        _change(db_session, delegation, now)


def test_a_change_is_in_the_applicants_activity(db_session, active, now):
    delegation, first, _ = active
    _change(db_session, delegation, now, actions=[READ], application_ids=[first.id])
    events = events_for(db_session, "applicant-sub")
    (entry,) = [e for e in events if e.event == "delegation.changed"]
    assert entry.details["actions"] == ["application.read"]
    assert entry.details["needs_acceptance"] is False


def test_all_applications_at_a_portal_covers_only_that_portal(db_session, make_application, now):
    here, elsewhere = make_application(portal="portal-a"), make_application(portal="portal-b")
    delegation = appoint(db_session, [], portal="portal-a", now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    assert delegation_allows(db_session, delegation.id, now, [(here.id, ["application.read"])])
    assert not delegation_allows(
        db_session, delegation.id, now, [(elsewhere.id, ["application.read"])]
    )
    assert not delegation_allows(db_session, delegation.id, now, [(here.id, ["payment.make"])])
    assert not delegation_allows(db_session, "no-such-delegation", now)


@pytest.mark.parametrize(
    ("portal", "status"),
    [("portal-a", DelegationStatus.ACTIVE), ("portal-b", DelegationStatus.PENDING_ACCEPTANCE)],
)
def test_naming_applications_of_an_all_applications_delegation_narrows_only_at_its_portal(
    db_session, make_application, now, portal, status
):
    make_application(portal="portal-a")
    named = make_application(portal=portal)
    delegation = appoint(db_session, [], portal="portal-a", now=now)
    accept_delegation(db_session, delegation.id, "rep-sub", now, events=NO_EVENTS)
    changed = _change(db_session, delegation, now, application_ids=[named.id])
    assert changed.status == status
    assert (changed.all_applications, changed.portal_client_id) == (False, None)
