"""Delegations: an applicant (principal) lets an actor act on their applications.

Life of a delegation (DESIGN.md section 5):

    applicant grants ───────────────► pending_acceptance ──accept──► active
    representative requests ─► requested ──applicant approves──► pending_acceptance
    active ──revoke──► revoked     active ──valid_until passes──► expired
    active ──representative suspended──► suspended
    pending_acceptance | active ──applicant changes──► same status when the change only
        narrows; pending_acceptance when it widens (the actor accepts the wider access)

Rules: a paid delegation needs an approved representative; a designated individual gets
read actions at most; a delegation covers named applications of the principal, or all of
the principal's applications at one portal; it ends by `valid_until` at the latest.
Every step is written to the audit log in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from consent.actions import READ_ACTIONS, Action, DelegationKind, DelegationStatus
from consent.audit import record_event
from consent.errors import DelegationNotFound, DelegationStateError, InvalidDelegation
from consent.models import Application, Delegation, DelegationApplication

MAX_DURATION = timedelta(days=3 * 365)


@dataclass(frozen=True, slots=True)
class DelegationRequest:
    principal: str
    actor: str
    kind: DelegationKind
    actions: Sequence[Action]
    valid_until: datetime
    application_ids: Sequence[str] = ()
    portal_client_id: str | None = None  # with no application ids: all at this portal


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _validate(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
) -> list[Application]:
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
    until = _utc(request.valid_until)
    if until <= now:
        raise InvalidDelegation("the end date must be in the future", field="valid_until")
    if until - now > MAX_DURATION:
        raise InvalidDelegation("a delegation lasts at most 3 years", field="valid_until")
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
        valid_until=_utc(request.valid_until),
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


def grant_delegation(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
) -> Delegation:
    """The applicant appoints an actor (IMM 5476 / IMM 5475); the actor must accept."""
    applications = _validate(
        db, request, actor_is_approved_representative=actor_is_approved_representative, now=now
    )
    delegation = _create(
        db,
        request,
        applications,
        status=DelegationStatus.PENDING_ACCEPTANCE,
        created_by=request.principal,
        created_via="applicant_grant",
        now=now,
    )
    record_event(
        db,
        event="delegation.granted",
        actor=request.principal,
        principal=request.principal,
        delegation_id=delegation.id,
        now=now,
        details={"actor": request.actor, "kind": delegation.kind, "actions": delegation.actions},
    )
    return delegation


def request_delegation(
    db: Session,
    request: DelegationRequest,
    *,
    actor_is_approved_representative: bool,
    now: datetime,
) -> Delegation:
    """A representative asks; the applicant approves (then it is already accepted)."""
    applications = _validate(
        db, request, actor_is_approved_representative=actor_is_approved_representative, now=now
    )
    delegation = _create(
        db,
        request,
        applications,
        status=DelegationStatus.REQUESTED,
        created_by=request.actor,
        created_via="representative_request",
        now=now,
    )
    record_event(
        db,
        event="delegation.requested",
        actor=request.actor,
        principal=request.principal,
        delegation_id=delegation.id,
        now=now,
        details={"kind": delegation.kind},
    )
    return delegation


def get_delegation(db: Session, delegation_id: str) -> Delegation:
    delegation = db.get(Delegation, delegation_id) if len(delegation_id) <= 32 else None
    if delegation is None:
        raise DelegationNotFound(f"no delegation {delegation_id!r}")
    return delegation


def _transition(
    db: Session, delegation_id: str, allowed_from: set[DelegationStatus], **values: object
) -> Delegation:
    delegation = get_delegation(db, delegation_id)
    result = db.execute(
        update(Delegation)
        .where(
            Delegation.id == delegation_id, Delegation.status.in_([s.value for s in allowed_from])
        )
        .values(**values)
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        raise DelegationStateError(f"the delegation is {delegation.status}")
    db.refresh(delegation)
    return delegation


def approve_request(db: Session, delegation_id: str, principal: str, now: datetime) -> Delegation:
    if get_delegation(db, delegation_id).principal_subject != principal:
        raise DelegationNotFound("no such request")
    delegation = _transition(
        db,
        delegation_id,
        {DelegationStatus.REQUESTED},
        status=DelegationStatus.ACTIVE.value,
        accepted_at=now,
    )
    record_event(
        db,
        event="delegation.approved",
        actor=principal,
        principal=principal,
        delegation_id=delegation_id,
        now=now,
    )
    return delegation


def accept_delegation(db: Session, delegation_id: str, actor: str, now: datetime) -> Delegation:
    if get_delegation(db, delegation_id).actor_subject != actor:
        raise DelegationNotFound("no such delegation")
    delegation = _transition(
        db,
        delegation_id,
        {DelegationStatus.PENDING_ACCEPTANCE},
        status=DelegationStatus.ACTIVE.value,
        accepted_at=now,
    )
    record_event(
        db,
        event="delegation.accepted",
        actor=actor,
        principal=delegation.principal_subject,
        delegation_id=delegation_id,
        now=now,
    )
    return delegation


def revoke_delegation(db: Session, delegation_id: str, by: str, now: datetime) -> Delegation:
    """The applicant (or the actor, stepping down) ends it at once."""
    current = get_delegation(db, delegation_id)
    if by not in (current.principal_subject, current.actor_subject):
        raise DelegationNotFound("no such delegation")
    delegation = _transition(
        db,
        delegation_id,
        {
            DelegationStatus.REQUESTED,
            DelegationStatus.PENDING_ACCEPTANCE,
            DelegationStatus.ACTIVE,
            DelegationStatus.SUSPENDED,
        },
        status=DelegationStatus.REVOKED.value,
        ended_at=now,
        ended_by=by,
    )
    record_event(
        db,
        event="delegation.revoked",
        actor=by,
        principal=delegation.principal_subject,
        delegation_id=delegation_id,
        now=now,
    )
    return delegation


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
) -> Delegation:
    """The applicant changes the actions, applications or end date of a living delegation.

    Narrowing takes effect at once (tokens already issued for what was removed stop at
    their next introspection, see `delegation_allows`); widening needs the actor's
    acceptance again, so an active delegation goes back to pending acceptance.
    """
    current = get_delegation(db, delegation_id)
    if current.principal_subject != by:
        raise DelegationNotFound("no such delegation")
    status = effective_status(current, now)
    if status not in (DelegationStatus.PENDING_ACCEPTANCE, DelegationStatus.ACTIVE):
        raise DelegationStateError(f"the delegation is {status.value}")
    request = DelegationRequest(
        principal=current.principal_subject,
        actor=current.actor_subject,
        kind=DelegationKind(current.kind),
        actions=actions,
        valid_until=valid_until,
        application_ids=application_ids,
        portal_client_id=current.portal_client_id,
    )
    applications = _validate(
        db, request, actor_is_approved_representative=actor_is_approved_representative, now=now
    )
    before_actions = set(current.actions)
    before_applications = set(application_ids_of(db, delegation_id))
    after_applications = {a.id for a in applications}
    if current.all_applications:  # all at one portal: named ones elsewhere widen it
        outside = any(a.portal_client_id != current.portal_client_id for a in applications)
    else:
        outside = not after_applications <= before_applications
    widened = (
        outside
        or not {a.value for a in actions} <= before_actions
        or _utc(valid_until) > _utc(current.valid_until)
    )
    current.actions = [a.value for a in actions]
    current.valid_until = _utc(valid_until)
    if applications:
        current.all_applications = False
        current.portal_client_id = None
    db.execute(
        delete(DelegationApplication).where(DelegationApplication.delegation_id == delegation_id)
    )
    for application in applications:
        db.add(DelegationApplication(delegation_id=delegation_id, application_id=application.id))
    if widened and status == DelegationStatus.ACTIVE:
        current.status = DelegationStatus.PENDING_ACCEPTANCE.value
        current.accepted_at = None
    db.flush()
    record_event(
        db,
        event="delegation.changed",
        actor=by,
        principal=current.principal_subject,
        delegation_id=delegation_id,
        now=now,
        details={
            "actions": current.actions,
            "applications": sorted(after_applications),
            "valid_until": current.valid_until.isoformat(),
            "needs_acceptance": widened and status == DelegationStatus.ACTIVE,
        },
    )
    return current


def suspend_actor(db: Session, actor: str, by: str, now: datetime) -> list[Delegation]:
    """An officer suspends a representative: every active delegation to them stops."""
    suspended = []
    for delegation in db.scalars(
        select(Delegation).where(
            Delegation.actor_subject == actor, Delegation.status == DelegationStatus.ACTIVE.value
        )
    ):
        delegation.status = DelegationStatus.SUSPENDED.value
        delegation.ended_at, delegation.ended_by = now, by
        record_event(
            db,
            event="delegation.suspended",
            actor=by,
            principal=delegation.principal_subject,
            delegation_id=delegation.id,
            now=now,
        )
        suspended.append(delegation)
    db.flush()
    return suspended


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
    if status == DelegationStatus.ACTIVE and _utc(delegation.valid_until) <= now:
        return DelegationStatus.EXPIRED
    return status


# Built once: on the introspection path, building a statement would cost more than running
# it. One round trip: the delegation, and how many of the token's applications it covers
# (by name, or as "all of the applicant's applications at this portal").
_APPLICATIONS: BindParameter[str] = bindparam("applications", expanding=True)
_ALLOWS = select(
    Delegation.status,
    Delegation.valid_until,
    Delegation.actions,
    Delegation.all_applications,
    select(func.count())
    .select_from(DelegationApplication)
    .where(
        DelegationApplication.delegation_id == Delegation.id,
        DelegationApplication.application_id.in_(_APPLICATIONS),
    )
    .scalar_subquery()
    .label("named"),
    select(func.count())
    .select_from(Application)
    .where(
        Application.id.in_(_APPLICATIONS),
        Application.portal_client_id == Delegation.portal_client_id,
        Application.applicant_subject == Delegation.principal_subject,
    )
    .scalar_subquery()
    .label("at_portal"),
).where(Delegation.id == bindparam("delegation_id"))


def delegation_allows(
    db: Session,
    delegation_id: str,
    now: datetime,
    grants: Iterable[tuple[str, Iterable[str]]] = (),
) -> bool:
    """Does this delegation still allow every (application id, actions) a token carries?

    Checked at every introspection of a delegated token, so a revocation, a suspension,
    an expiry or a narrowing change takes effect at once. One statement.
    """
    if len(delegation_id) > 32:
        return False
    pairs = [(application_id, set(actions)) for application_id, actions in grants]
    wanted = sorted({application_id for application_id, _ in pairs})
    row = db.execute(_ALLOWS, {"delegation_id": delegation_id, "applications": wanted}).first()
    if row is None or row.status != DelegationStatus.ACTIVE.value or _utc(row.valid_until) <= now:
        return False
    allowed = set(row.actions)
    if any(not actions <= allowed for _, actions in pairs):
        return False
    covered = row.at_portal if row.all_applications else row.named
    return not wanted or covered == len(wanted)
