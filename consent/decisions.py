"""The one question: may actor A do action X on application Y now?

`decide` answers with a `Decision` carrying `allowed`, a stable `reason` code and the
delegation that allows it. Two indexed reads: the application (primary key), then the
actor's active delegations from its principal that name this application or cover all of
the principal's applications at its portal. Measured by `bench/decisions.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
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


def decide(
    db: Session, *, actor: str, action: Action | str, application_id: str, now: datetime
) -> Decision:
    application = db.get(Application, application_id) if len(application_id) <= 32 else None
    if application is None:
        return Decision(False, "no_application")
    if application.applicant_subject == actor:
        return Decision(True, "own_application", principal=actor)
    rows = db.execute(
        select(Delegation.id, Delegation.actions, Delegation.valid_from, Delegation.valid_until)
        .outerjoin(
            DelegationApplication,
            and_(
                DelegationApplication.delegation_id == Delegation.id,
                DelegationApplication.application_id == application.id,
            ),
        )
        .where(
            Delegation.actor_subject == actor,
            Delegation.principal_subject == application.applicant_subject,
            Delegation.status == DelegationStatus.ACTIVE.value,
            or_(
                DelegationApplication.application_id.is_not(None),
                and_(
                    Delegation.all_applications.is_(True),
                    Delegation.portal_client_id == application.portal_client_id,
                ),
            ),
        )
    ).all()
    if not rows:
        return Decision(False, "no_delegation", principal=application.applicant_subject)
    best = Decision(False, "action_not_granted", principal=application.applicant_subject)
    for delegation in rows:
        if str(action) not in delegation.actions:
            continue
        if _utc(delegation.valid_until) <= now:
            best = Decision(False, "expired", delegation.id, application.applicant_subject)
            continue
        if _utc(delegation.valid_from) > now:
            best = Decision(False, "not_yet_valid", delegation.id, application.applicant_subject)
            continue
        return Decision(True, "allowed", delegation.id, application.applicant_subject)
    return best
