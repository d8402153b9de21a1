"""Delegation events: what changed, written to the audit log and told to the port.

Every consent operation ends with `publish`: one audit entry `delegation.<event>` naming
who did it, then `DelegationEvents.delegation_changed` with a `DelegationChange`, a frozen
description of the delegation after the step and of the portals concerned (portal client
id → application numbers it holds under the delegation; a portal that held some before a
change and holds none after is listed with none, so it is told too).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.actions import DelegationKind, DelegationStatus
from consent.audit import record_event
from consent.models import Application, Delegation, DelegationApplication
from consent.timestamps import as_utc

if TYPE_CHECKING:
    from consent.ports import DelegationEvents

Portals = Mapping[str, tuple[str, ...]]


class DelegationEvent(StrEnum):
    GRANTED = "granted"
    REQUESTED = "requested"
    APPROVED = "approved"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    CHANGED = "changed"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"


@dataclass(frozen=True, slots=True)
class DelegationChange:
    event: DelegationEvent
    delegation_id: str
    principal: str
    actor: str
    kind: DelegationKind
    status: DelegationStatus  # after the step
    previous_status: DelegationStatus | None
    actions: tuple[str, ...]
    valid_until: datetime
    by: str
    at: datetime
    portals: Portals = field(default_factory=dict)
    reason: str = ""


class NoEvents:
    """A `DelegationEvents` that does nothing: for tests and seeds."""

    def delegation_changed(self, db: Session, change: DelegationChange) -> None:
        """Nothing to tell."""


def portals_of(db: Session, delegation: Delegation) -> dict[str, tuple[str, ...]]:
    """Portal client id → application numbers it holds under this delegation."""
    portals: dict[str, list[str]] = {}
    if delegation.portal_client_id:
        portals.setdefault(delegation.portal_client_id, [])
    rows = db.execute(
        select(Application.portal_client_id, Application.portal_reference)
        .join(DelegationApplication, DelegationApplication.application_id == Application.id)
        .where(DelegationApplication.delegation_id == delegation.id)
        .order_by(Application.portal_client_id, Application.portal_reference)
    )
    for client_id, number in rows:
        portals.setdefault(client_id, []).append(number)
    return {client_id: tuple(numbers) for client_id, numbers in portals.items()}


def publish(
    db: Session,
    events: DelegationEvents,
    delegation: Delegation,
    event: DelegationEvent,
    *,
    by: str,
    now: datetime,
    previous_status: DelegationStatus | None = None,
    portals_before: Portals | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> DelegationChange:
    """Audit the step (`delegation.<event>`, by `by`) and tell `events` about it."""
    portals: dict[str, tuple[str, ...]] = dict.fromkeys(portals_before or {}, ())
    portals.update(portals_of(db, delegation))
    record_event(
        db,
        event=f"delegation.{event.value}",
        actor=by,
        principal=delegation.principal_subject,
        delegation_id=delegation.id,
        now=now,
        details=details,
    )
    change = DelegationChange(
        event=event,
        delegation_id=delegation.id,
        principal=delegation.principal_subject,
        actor=delegation.actor_subject,
        kind=DelegationKind(delegation.kind),
        status=DelegationStatus(delegation.status),
        previous_status=previous_status,
        actions=tuple(delegation.actions),
        valid_until=as_utc(delegation.valid_until),
        by=by,
        at=now,
        portals=portals,
        reason=reason,
    )
    events.delegation_changed(db, change)
    return change
