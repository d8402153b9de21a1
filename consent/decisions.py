"""The one question: may actor A do action X on application Y now?

`decide` answers with a `Decision` carrying `allowed`, a stable `reason` code and the
delegation that allows it. One statement: the application (primary key), joined to the
actor's active delegations from its applicant (index on actor, principal, status) that
name this application (primary key of the link) or cover all of the applicant's
applications at its portal. Measured by `bench/decisions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session

from consent.actions import Action, DelegationStatus
from consent.models import Application, Delegation, DelegationApplication


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # allowed | own_application | no_application | no_delegation | action_not_granted
    # | expired | not_yet_valid
    reason: str
    delegation_id: str | None = None
    principal: str | None = None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# Built once: constructing a statement costs more than running it (bench/decisions.py).
_NAMES_IT = (
    select(DelegationApplication.delegation_id)
    .where(
        DelegationApplication.delegation_id == Delegation.id,
        DelegationApplication.application_id == Application.id,
    )
    .exists()
)
_DECIDE = (
    select(
        Application.applicant_subject,
        Delegation.id,
        Delegation.actions,
        Delegation.valid_from,
        Delegation.valid_until,
    )
    .select_from(Application)
    .outerjoin(
        Delegation,
        and_(
            Delegation.actor_subject == bindparam("actor"),
            Delegation.principal_subject == Application.applicant_subject,
            Delegation.status == DelegationStatus.ACTIVE.value,
            or_(
                _NAMES_IT,
                and_(
                    Delegation.all_applications.is_(True),
                    Delegation.portal_client_id == Application.portal_client_id,
                ),
            ),
        ),
    )
    .where(Application.id == bindparam("application_id"))
)


def decide(
    db: Session, *, actor: str, action: Action | str, application_id: str, now: datetime
) -> Decision:
    if len(application_id) > 32:
        return Decision(False, "no_application")
    rows = db.execute(_DECIDE, {"actor": actor, "application_id": application_id}).all()
    if not rows:
        return Decision(False, "no_application")
    principal = rows[0].applicant_subject
    if principal == actor:
        return Decision(True, "own_application", principal=actor)
    delegations = [row for row in rows if row.id is not None]
    if not delegations:
        return Decision(False, "no_delegation", principal=principal)
    best = Decision(False, "action_not_granted", principal=principal)
    for delegation in delegations:
        if str(action) not in delegation.actions:
            continue
        if _utc(delegation.valid_until) <= now:
            best = Decision(False, "expired", delegation.id, principal)
            continue
        if _utc(delegation.valid_from) > now:
            best = Decision(False, "not_yet_valid", delegation.id, principal)
            continue
        return Decision(True, "allowed", delegation.id, principal)
    return best
