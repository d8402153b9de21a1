"""The one question: may actor A do action X on application Y now?

`decide` answers with a `Decision` carrying `allowed`, a stable `reason` code and the
delegation that allows it. One statement: the application (primary key), joined to the
actor's active delegations that cover it (`consent.coverage.COVERS`: index on actor,
principal, status; primary key of the link), with a probe of the actor's suspension.
Measured by `bench/decisions.py`. `judge` is the reasoning over those rows, shared with
`consent.access.resolve_access` to name a refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from consent.actions import Action
from consent.coverage import ACTIVE_DELEGATIONS_OF_ACTOR, ACTOR_IS_SUSPENDED
from consent.models import Application, Delegation
from consent.timestamps import as_utc


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # allowed | own_application | no_application | actor_suspended | no_delegation
    # | action_not_granted | expired | not_yet_valid
    reason: str
    delegation_id: str | None = None
    principal: str | None = None


# Built once: constructing a statement costs more than running it (bench/decisions.py).
_DECIDE = (
    select(
        Application.applicant_subject,
        ACTOR_IS_SUSPENDED.label("suspended"),
        Delegation.id,
        Delegation.actions,
        Delegation.valid_from,
        Delegation.valid_until,
    )
    .select_from(Application)
    .outerjoin(Delegation, ACTIVE_DELEGATIONS_OF_ACTOR)
    .where(Application.id == bindparam("application_id"))
)


def judge(rows: Iterable[Any], action: str, principal: str, now: datetime) -> Decision:
    """The decision for one action over an actor's active delegations covering one
    application (rows with `id`, `actions`, `valid_from`, `valid_until`)."""
    delegations = [row for row in rows if row.id is not None]
    if not delegations:
        return Decision(False, "no_delegation", principal=principal)
    best = Decision(False, "action_not_granted", principal=principal)
    for delegation in delegations:
        if action not in delegation.actions:
            continue
        if as_utc(delegation.valid_until) <= now:
            best = Decision(False, "expired", delegation.id, principal)
            continue
        if as_utc(delegation.valid_from) > now:
            best = Decision(False, "not_yet_valid", delegation.id, principal)
            continue
        return Decision(True, "allowed", delegation.id, principal)
    return best


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
    if rows[0].suspended:
        return Decision(False, "actor_suspended", principal=principal)
    return judge(rows, str(action), principal, now)
