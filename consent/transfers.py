"""Applications changing hands: account conversion (DESIGN.md section 7).

- `hand_over_application`: an application a client account filed for someone else
  becomes that person's (a new, unclaimed identity's), and the filer keeps acting on it
  through an active delegation created `via conversion`: no access gap. The portals hear
  of it as an activated delegation.
- `transfer_applicant`: when the real applicant proves who they are (they confirm the
  client file while signed in to their own account), everything held under the
  placeholder identity moves to their account; the portals hear of each delegation's
  new principal as a change.

Both are audited in the same transaction, like every delegation step, and go through the
same rules and locks as an appointment (`delegations._open`): a suspended filer gets
nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from consent.actions import Action, DelegationKind, DelegationStatus
from consent.applications import get_application
from consent.audit import record_event
from consent.delegations import DelegationRequest, _open
from consent.errors import InvalidDelegation
from consent.events import DelegationEvent, publish
from consent.locks import lock_delegations
from consent.models import Application, Delegation
from consent.ports import DelegationEvents


def hand_over_application(
    db: Session,
    application_id: str,
    *,
    filer: str,
    applicant: str,
    kind: DelegationKind,
    actions: Sequence[Action],
    valid_until: datetime,
    actor_is_approved_representative: bool,
    now: datetime,
    events: DelegationEvents,
    zone: tzinfo = UTC,
) -> Delegation:
    """`filer`'s application becomes `applicant`'s; `filer` gets an active delegation on it
    (its end's years counted in `zone`'s calendar, `consent.delegations.last_delegation_day`)."""
    application = get_application(db, application_id)
    if application.applicant_subject != filer:
        raise InvalidDelegation("the application is not the filer's", field="applications")
    application.applicant_subject = applicant
    application.updated_at = now
    request = DelegationRequest(
        principal=applicant,
        actor=filer,
        kind=kind,
        actions=actions,
        valid_until=valid_until,
        application_ids=[application.id],
    )
    delegation = _open(
        db,
        request,
        actor_is_approved_representative=actor_is_approved_representative,
        now=now,
        zone=zone,
        status=DelegationStatus.ACTIVE,
        created_via="conversion",
    )
    delegation.accepted_at = now
    record_event(
        db,
        event="application.handed_over",
        actor=filer,
        principal=applicant,
        application_id=application.id,
        now=now,
        details={"from": filer},
    )
    details = {"created_via": "conversion", "kind": delegation.kind, "actions": delegation.actions}
    publish(db, events, delegation, DelegationEvent.ACCEPTED, by=filer, now=now, details=details)
    return delegation


def transfer_applicant(
    db: Session,
    *,
    from_subject: str,
    to_subject: str,
    now: datetime,
    events: DelegationEvents,
) -> int:
    """Move every application and delegation of `from_subject` (as applicant) to
    `to_subject`; return how many applications moved."""
    moved = list(
        db.scalars(select(Application.id).where(Application.applicant_subject == from_subject))
    )
    db.execute(
        update(Application)
        .where(Application.applicant_subject == from_subject)
        .values(applicant_subject=to_subject, updated_at=now)
    )
    for application_id in moved:
        record_event(
            db,
            event="application.claimed",
            actor=to_subject,
            principal=to_subject,
            application_id=application_id,
            now=now,
            details={"from": from_subject},
        )
    for delegation in lock_delegations(db, Delegation.principal_subject == from_subject):
        delegation.principal_subject = to_subject
        db.flush()
        publish(
            db,
            events,
            delegation,
            DelegationEvent.CHANGED,
            by=to_subject,
            now=now,
            details={"principal_from": from_subject},
        )
    db.flush()
    return len(moved)
