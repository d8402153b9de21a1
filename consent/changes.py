"""The applicant changes a living delegation: its actions, applications or end date.

Narrowing takes effect at once (a token issued for what was removed stops at its next
introspection, `consent.access.access_allows`, and no new one is issued: the change holds
the delegation's row lock, `consent.locks`); widening needs the actor's acceptance again,
so an active delegation goes back to pending acceptance. The rules of granting hold. The
portals concerned before and after are both told (`DelegationChange.portals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from sqlalchemy import delete
from sqlalchemy.orm import Session

from consent.actions import Action, DelegationKind, DelegationStatus
from consent.delegations import (
    DelegationRequest,
    application_ids_of,
    effective_status,
    lock_for_change,
    validate_request,
)
from consent.errors import DelegationNotFound, DelegationStateError
from consent.events import DelegationEvent, portals_of, publish
from consent.models import Application, Delegation, DelegationApplication
from consent.ports import DelegationEvents
from consent.suspensions import refuse_if_suspended
from consent.timestamps import as_utc


def _is_wider(
    db: Session,
    current: Delegation,
    applications: list[Application],
    actions: Sequence[Action],
    valid_until: datetime,
) -> bool:
    after = {a.id for a in applications}
    if current.all_applications:  # all at one portal: named ones elsewhere widen it
        outside = any(a.portal_client_id != current.portal_client_id for a in applications)
    else:
        outside = not after <= set(application_ids_of(db, current.id))
    return (
        outside
        or not {a.value for a in actions} <= set(current.actions)
        or as_utc(valid_until) > as_utc(current.valid_until)
    )


def _apply(
    db: Session,
    current: Delegation,
    applications: list[Application],
    actions: Sequence[Action],
    valid_until: datetime,
) -> None:
    current.actions = [a.value for a in actions]
    current.valid_until = as_utc(valid_until)
    if applications:
        current.all_applications = False
        current.portal_client_id = None
    db.execute(
        delete(DelegationApplication).where(DelegationApplication.delegation_id == current.id)
    )
    for application in applications:
        db.add(DelegationApplication(delegation_id=current.id, application_id=application.id))


def _living(db: Session, delegation_id: str, by: str, now: datetime) -> Delegation:
    current = lock_for_change(db, delegation_id)
    if current.principal_subject != by:
        raise DelegationNotFound("no such delegation")
    refuse_if_suspended(db, current.actor_subject)
    status = effective_status(current, now)
    if status not in (DelegationStatus.PENDING_ACCEPTANCE, DelegationStatus.ACTIVE):
        raise DelegationStateError(f"the delegation is {status.value}")
    return current


def _validated(
    db: Session,
    current: Delegation,
    request: tuple[Sequence[Action], datetime, Sequence[str]],
    *,
    actor_is_approved_representative: bool,
    now: datetime,
    zone: tzinfo,
) -> list[Application]:
    """The rules of granting, for the new (actions, end, applications) of `current`."""
    actions, valid_until, application_ids = request
    terms = DelegationRequest(
        principal=current.principal_subject,
        actor=current.actor_subject,
        kind=DelegationKind(current.kind),
        actions=actions,
        valid_until=valid_until,
        application_ids=application_ids,
        portal_client_id=current.portal_client_id,
    )
    return validate_request(
        db,
        terms,
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
    )


def change_delegation(
    db: Session,
    delegation_id: str,
    by: str,
    *,
    actions: Sequence[Action],
    valid_until: datetime,
    application_ids: Sequence[str],
    actor_is_approved_representative: bool,
    now: datetime,
    events: DelegationEvents,
    zone: tzinfo = UTC,
) -> Delegation:
    """Change a living delegation of `by`; widening an active one needs acceptance again.
    The new end's years count from today in `zone`'s calendar (`latest_delegation_end`)."""
    current = _living(db, delegation_id, by, now)
    applications = _validated(
        db,
        current,
        (actions, valid_until, application_ids),
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
    )
    previous = DelegationStatus(current.status)
    needs_acceptance = previous == DelegationStatus.ACTIVE and _is_wider(
        db, current, applications, actions, valid_until
    )
    portals_before = portals_of(db, current)
    _apply(db, current, applications, actions, valid_until)
    if needs_acceptance:
        current.status, current.accepted_at = DelegationStatus.PENDING_ACCEPTANCE.value, None
    db.flush()
    details = {
        "actions": current.actions,
        "applications": sorted(a.id for a in applications),
        "valid_until": current.valid_until.isoformat(),
        "needs_acceptance": needs_acceptance,
    }
    publish(
        db,
        events,
        current,
        DelegationEvent.CHANGED,
        by=by,
        now=now,
        previous_status=previous,
        portals_before=portals_before,
        details=details,
    )
    return current
