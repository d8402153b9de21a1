"""Delegations: an applicant (principal) lets an actor act on their applications.

Life of a delegation (DESIGN.md section 5):

    applicant grants ───────────────► pending_acceptance ──accept──► active
                                      pending_acceptance ──decline──► declined
    representative requests ─► requested ──applicant approves──► active
    requested | pending_acceptance | active | suspended ──revoke──► revoked
    active ──valid_until passes──► expired (read time: `effective_status`)
    requested | pending_acceptance | active ──actor suspended──► suspended
        ──actor reinstated──► the status it had (`consent.suspensions`)
    pending_acceptance | active ──applicant changes──► same status when the change only
        narrows; pending_acceptance when it widens (`consent.changes`)

Rules: a paid delegation needs an approved representative; a designated individual gets
read actions at most; a delegation covers named applications of the principal, or all of
the principal's applications at one portal; it ends by `valid_until` at the latest, at most
`MAX_DELEGATION_YEARS` calendar years after the day it is made or changed
(`latest_delegation_end`); a suspended actor takes no step. Every step locks the
delegation row first (`consent.locks`), is audited in the same transaction, and is told to
the `DelegationEvents` port (`consent.events.publish`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.actions import READ_ACTIONS, Action, DelegationKind, DelegationStatus
from consent.durations import MAX_DELEGATION_YEARS, last_delegation_day, latest_delegation_end
from consent.errors import DelegationNotFound, DelegationStateError, InvalidDelegation
from consent.events import DelegationEvent, publish
from consent.locks import lock_actor, lock_delegation
from consent.models import Application, Delegation, DelegationApplication
from consent.ports import DelegationEvents
from consent.suspensions import refuse_if_suspended
from consent.timestamps import as_utc


@dataclass(frozen=True, slots=True)
class DelegationRequest:
    principal: str
    actor: str
    kind: DelegationKind
    actions: Sequence[Action]
    valid_until: datetime
    application_ids: Sequence[str] = ()
    portal_client_id: str | None = None  # with no application ids: all at this portal


def _check_terms(
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
    zone: tzinfo,
) -> None:
    if request.actor == request.principal:
        raise InvalidDelegation("a person cannot delegate to themselves", field="actor")
    if not request.actions:
        raise InvalidDelegation("choose at least one action", field="actions")
    if (
        request.kind == DelegationKind.DESIGNATED_INDIVIDUAL
        and not set(request.actions) <= READ_ACTIONS
    ):
        raise InvalidDelegation(
            "a designated individual may only receive information (read actions)",
            field="actions",
            code="designated_individual_read_only",
        )
    if request.kind == DelegationKind.REPRESENTATIVE_PAID and not actor_is_approved_representative:
        raise InvalidDelegation(
            "only an approved representative may be paid",
            field="kind",
            code="paid_needs_approved_representative",
        )
    until = as_utc(request.valid_until)
    if until <= now:
        raise InvalidDelegation("the end date must be in the future", field="valid_until")
    if until > latest_delegation_end(now, zone):
        raise InvalidDelegation(
            f"a delegation lasts at most {MAX_DELEGATION_YEARS} years: until "
            f"{last_delegation_day(now, zone).isoformat()} at the latest",
            field="valid_until",
            code="ends_too_late",
        )


def validate_request(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
    zone: tzinfo = UTC,
) -> list[Application]:
    """Check the rules; return the named applications (all the principal's). `zone`: the
    calendar the end date's years are counted in (`latest_delegation_end`)."""
    _check_terms(
        request,
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
    )
    applications = []
    for application_id in request.application_ids:
        application = db.get(Application, application_id)
        if application is None or application.applicant_subject != request.principal:
            raise InvalidDelegation(
                f"application {application_id!r} is not one of yours", field="applications"
            )
        applications.append(application)
    if not applications and not request.portal_client_id:
        raise InvalidDelegation("choose applications, or a portal", field="applications")
    return applications


def _create(
    db: Session,
    request: DelegationRequest,
    applications: list[Application],
    *,
    status: DelegationStatus,
    created_by: str,
    created_via: str,
    now: datetime,
) -> Delegation:
    delegation = Delegation(
        id=uuid.uuid4().hex,
        principal_subject=request.principal,
        actor_subject=request.actor,
        kind=request.kind.value,
        portal_client_id=request.portal_client_id if not applications else None,
        all_applications=not applications,
        actions=[a.value for a in request.actions],
        valid_from=now,
        valid_until=as_utc(request.valid_until),
        status=status.value,
        created_by=created_by,
        created_via=created_via,
        created_at=now,
    )
    db.add(delegation)
    for application in applications:
        db.add(DelegationApplication(delegation_id=delegation.id, application_id=application.id))
    db.flush()
    return delegation


def _open(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
    zone: tzinfo,
    status: DelegationStatus,
    created_via: str,
) -> Delegation:
    applications = validate_request(
        db,
        request,
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
    )
    lock_actor(db, request.actor, shared=True)  # a suspension of the actor waits, or wins
    refuse_if_suspended(db, request.actor)
    created_by = (
        request.principal if status == DelegationStatus.PENDING_ACCEPTANCE else request.actor
    )
    return _create(
        db,
        request,
        applications,
        status=status,
        created_by=created_by,
        created_via=created_via,
        now=now,
    )


def grant_delegation(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
    events: DelegationEvents,
    zone: tzinfo = UTC,
) -> Delegation:
    """The applicant appoints an actor (IMM 5476 / IMM 5475); the actor must accept."""
    delegation = _open(
        db,
        request,
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
        status=DelegationStatus.PENDING_ACCEPTANCE,
        created_via="applicant_grant",
    )
    details = {"actor": request.actor, "kind": delegation.kind, "actions": delegation.actions}
    publish(
        db,
        events,
        delegation,
        DelegationEvent.GRANTED,
        by=request.principal,
        now=now,
        details=details,
    )
    return delegation


def request_delegation(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
    events: DelegationEvents,
    zone: tzinfo = UTC,
) -> Delegation:
    """A representative asks; the applicant approves (then it is already accepted)."""
    delegation = _open(
        db,
        request,
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
        status=DelegationStatus.REQUESTED,
        created_via="representative_request",
    )
    publish(
        db,
        events,
        delegation,
        DelegationEvent.REQUESTED,
        by=request.actor,
        now=now,
        details={"kind": delegation.kind},
    )
    return delegation


def get_delegation(db: Session, delegation_id: str) -> Delegation:
    delegation = db.get(Delegation, delegation_id) if len(delegation_id) <= 32 else None
    if delegation is None:
        raise DelegationNotFound(f"no delegation {delegation_id!r}")
    return delegation


def lock_for_change(db: Session, delegation_id: str) -> Delegation:
    """The delegation, locked FOR UPDATE until the transaction ends; `DelegationNotFound`."""
    delegation = lock_delegation(db, delegation_id)
    if delegation is None:
        raise DelegationNotFound(f"no delegation {delegation_id!r}")
    return delegation


def _require(delegation: Delegation, allowed_from: set[DelegationStatus]) -> DelegationStatus:
    status = DelegationStatus(delegation.status)
    if status not in allowed_from:
        raise DelegationStateError(f"the delegation is {status.value}")
    return status


def approve_request(
    db: Session, delegation_id: str, principal: str, now: datetime, *, events: DelegationEvents
) -> Delegation:
    delegation = lock_for_change(db, delegation_id)
    if delegation.principal_subject != principal:
        raise DelegationNotFound("no such request")
    refuse_if_suspended(db, delegation.actor_subject)
    previous = _require(delegation, {DelegationStatus.REQUESTED})
    delegation.status, delegation.accepted_at = DelegationStatus.ACTIVE.value, now
    db.flush()
    publish(
        db,
        events,
        delegation,
        DelegationEvent.APPROVED,
        by=principal,
        now=now,
        previous_status=previous,
    )
    return delegation


def accept_delegation(
    db: Session, delegation_id: str, actor: str, now: datetime, *, events: DelegationEvents
) -> Delegation:
    delegation = lock_for_change(db, delegation_id)
    if delegation.actor_subject != actor:
        raise DelegationNotFound("no such delegation")
    refuse_if_suspended(db, actor)
    previous = _require(delegation, {DelegationStatus.PENDING_ACCEPTANCE})
    delegation.status, delegation.accepted_at = DelegationStatus.ACTIVE.value, now
    db.flush()
    publish(
        db,
        events,
        delegation,
        DelegationEvent.ACCEPTED,
        by=actor,
        now=now,
        previous_status=previous,
    )
    return delegation


def decline_delegation(
    db: Session, delegation_id: str, actor: str, now: datetime, *, events: DelegationEvents
) -> Delegation:
    """The actor turns down an appointment waiting for them."""
    delegation = lock_for_change(db, delegation_id)
    if delegation.actor_subject != actor:
        raise DelegationNotFound("no such delegation")
    previous = _require(delegation, {DelegationStatus.PENDING_ACCEPTANCE})
    delegation.status = DelegationStatus.DECLINED.value
    delegation.ended_at, delegation.ended_by = now, actor
    db.flush()
    publish(
        db,
        events,
        delegation,
        DelegationEvent.DECLINED,
        by=actor,
        now=now,
        previous_status=previous,
    )
    return delegation


def revoke_delegation(
    db: Session, delegation_id: str, by: str, now: datetime, *, events: DelegationEvents
) -> Delegation:
    """The applicant (or the actor, stepping down) ends it at once."""
    delegation = lock_for_change(db, delegation_id)
    if by not in (delegation.principal_subject, delegation.actor_subject):
        raise DelegationNotFound("no such delegation")
    previous = _require(
        delegation,
        {
            DelegationStatus.REQUESTED,
            DelegationStatus.PENDING_ACCEPTANCE,
            DelegationStatus.ACTIVE,
            DelegationStatus.SUSPENDED,
        },
    )
    delegation.status, delegation.suspended_from = DelegationStatus.REVOKED.value, None
    delegation.ended_at, delegation.ended_by = now, by
    db.flush()
    publish(
        db, events, delegation, DelegationEvent.REVOKED, by=by, now=now, previous_status=previous
    )
    return delegation


def delegations_of_principal(db: Session, principal: str) -> list[Delegation]:
    return list(
        db.scalars(
            select(Delegation)
            .where(Delegation.principal_subject == principal)
            .order_by(Delegation.created_at.desc())
        )
    )


def delegations_of_actor(db: Session, actor: str) -> list[Delegation]:
    return list(
        db.scalars(
            select(Delegation)
            .where(Delegation.actor_subject == actor)
            .order_by(Delegation.created_at.desc())
        )
    )


def application_ids_of(db: Session, delegation_id: str) -> list[str]:
    return list(
        db.scalars(
            select(DelegationApplication.application_id).where(
                DelegationApplication.delegation_id == delegation_id
            )
        )
    )


def effective_status(delegation: Delegation, now: datetime) -> DelegationStatus:
    """Status as of `now`: an active delegation past `valid_until` has expired."""
    status = DelegationStatus(delegation.status)
    if status == DelegationStatus.ACTIVE and as_utc(delegation.valid_until) <= now:
        return DelegationStatus.EXPIRED
    return status
