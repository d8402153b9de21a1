"""Suspension of an actor (a representative) by an officer, and reinstatement.

A suspension is recorded once per actor (`consent_actor_suspensions`) and stops every
delegation to the actor that is requested, pending acceptance or active, each remembering
the status it had (`suspended_from`). While it lasts the actor cannot accept, request, be
appointed, be approved, have a delegation changed to them (`ActorSuspended`), nor obtain
a delegated token (`decide` says `actor_suspended`, `resolve_access` refuses).
Reinstatement restores exactly what the suspension stopped; what the applicant revoked
meanwhile stays revoked, and an active delegation whose end date has passed shows as
expired (`effective_status`). Both steps are idempotent, audited with who did it and why,
and serialized with every other step on the actor (`consent.locks`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from consent.actions import DelegationStatus
from consent.errors import ActorSuspended, InvalidDelegation
from consent.events import DelegationEvent, publish
from consent.locks import lock_actor, lock_delegations
from consent.models import ActorSuspension, Delegation
from consent.ports import DelegationEvents

MAX_REASON_LENGTH = 500
SUSPENDABLE = (
    DelegationStatus.REQUESTED,
    DelegationStatus.PENDING_ACCEPTANCE,
    DelegationStatus.ACTIVE,
)


def is_actor_suspended(db: Session, actor: str) -> bool:
    return db.get(ActorSuspension, actor, populate_existing=True) is not None


def refuse_if_suspended(db: Session, actor: str) -> None:
    """Raise `ActorSuspended` (field `actor`) when the actor is suspended."""
    if is_actor_suspended(db, actor):
        raise ActorSuspended(actor)


def suspend_actor(
    db: Session,
    actor: str,
    *,
    by: str,
    reason: str,
    now: datetime,
    events: DelegationEvents,
) -> list[Delegation]:
    """Suspend the actor and every living delegation to them; return those it stopped."""
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidDelegation(
            f"the reason must be at most {MAX_REASON_LENGTH} characters", field="reason"
        )
    lock_actor(db, actor, shared=False)
    if not is_actor_suspended(db, actor):  # suspending again keeps the first record
        db.add(
            ActorSuspension(actor_subject=actor, suspended_at=now, suspended_by=by, reason=reason)
        )
    stopped = lock_delegations(
        db,
        Delegation.actor_subject == actor,
        Delegation.status.in_([s.value for s in SUSPENDABLE]),
    )
    for delegation in stopped:
        previous = DelegationStatus(delegation.status)
        delegation.suspended_from = previous.value
        delegation.status = DelegationStatus.SUSPENDED.value
        db.flush()
        publish(
            db,
            events,
            delegation,
            DelegationEvent.SUSPENDED,
            by=by,
            now=now,
            previous_status=previous,
            reason=reason,
            details={"reason": reason, "suspended_from": previous.value},
        )
    db.flush()
    return stopped


def reinstate_actor(
    db: Session,
    actor: str,
    *,
    by: str,
    now: datetime,
    events: DelegationEvents,
    reason: str = "",
) -> list[Delegation]:
    """End the actor's suspension; every delegation it stopped gets its status back."""
    lock_actor(db, actor, shared=False)
    suspension = db.get(ActorSuspension, actor, populate_existing=True)
    if suspension is not None:
        db.delete(suspension)
    restored = lock_delegations(
        db,
        Delegation.actor_subject == actor,
        Delegation.status == DelegationStatus.SUSPENDED.value,
    )
    for delegation in restored:
        # Suspended before `suspended_from` existed: only active delegations were stopped.
        status = DelegationStatus(delegation.suspended_from or DelegationStatus.ACTIVE.value)
        delegation.status, delegation.suspended_from = status.value, None
        db.flush()
        publish(
            db,
            events,
            delegation,
            DelegationEvent.REINSTATED,
            by=by,
            now=now,
            previous_status=DelegationStatus.SUSPENDED,
            reason=reason,
            details={"reason": reason, "status": status.value},
        )
    db.flush()
    return restored
