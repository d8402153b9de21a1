"""The applicant's and the representative's side of delegations, for the console pages.

Wraps `consent` with what only the composition root knows: who is an approved
representative (the `representative` role), the step-up rule for granting, and the
`consent.DelegationEvents` implementation (Security Event Tokens through the outbox).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import (
    Action,
    Delegation,
    DelegationRequest,
    accept_delegation,
    approve_request,
    change_delegation,
    get_delegation,
    grant_delegation,
    reinstate_actor,
    revoke_delegation,
    suspend_actor,
)
from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.sessions import BrowserSession
from idp.outbox.security_events import SecurityEventOutbox
from idp.runtime import Runtime

REPRESENTATIVE_ROLE = "representative"
STEP_UP_MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class People:
    """Display names for subjects shown on the console."""

    names: dict[str, str]

    def name(self, subject: str) -> str:
        return self.names.get(subject, "?")


def people(db: Session, subjects: set[str]) -> People:
    rows: Any = (
        db.execute(
            select(Account.subject, Account.name, Account.email).where(
                Account.subject.in_(subjects)
            )
        )
        if subjects
        else []
    )
    return People({s: f"{n} ({e})" for s, n, e in rows})


def is_recent_multi_factor(browser: BrowserSession, now: datetime) -> bool:
    """Granting needs a second factor proven in the last 15 minutes (DESIGN.md section 8)."""
    return (
        browser.acr == ACR_MULTI_FACTOR
        and now.timestamp() - browser.auth_time <= STEP_UP_MAX_AGE_SECONDS
    )


def find_actor(db: Session, email: str) -> Account | None:
    account = find_account_by_email(db, email)
    return account if account is not None and account.status == "active" else None


def delegation_events(runtime: Runtime) -> SecurityEventOutbox:
    """The portals are told of delegation changes by Security Event Tokens."""
    settings = runtime.settings
    return SecurityEventOutbox(settings.issuer, runtime.keyring, settings.access_token_alg)


def grant(runtime: Runtime, db: Session, request: DelegationRequest) -> Delegation:
    return grant_delegation(
        db,
        request,
        actor_is_approved_representative=_is_approved_representative(db, request.actor),
        now=runtime.clock.now(),
        events=delegation_events(runtime),
    )


def _is_approved_representative(db: Session, subject: str) -> bool:
    actor = db.scalar(select(Account).where(Account.subject == subject))
    return actor is not None and REPRESENTATIVE_ROLE in (actor.roles or [])


def accept(runtime: Runtime, db: Session, delegation_id: str, actor: str) -> Delegation:
    now, events = runtime.clock.now(), delegation_events(runtime)
    return accept_delegation(db, delegation_id, actor, now, events=events)


def approve(runtime: Runtime, db: Session, delegation_id: str, principal: str) -> Delegation:
    now, events = runtime.clock.now(), delegation_events(runtime)
    return approve_request(db, delegation_id, principal, now, events=events)


def revoke(runtime: Runtime, db: Session, delegation_id: str, by: str) -> Delegation:
    now, events = runtime.clock.now(), delegation_events(runtime)
    return revoke_delegation(db, delegation_id, by, now, events=events)


def change(
    runtime: Runtime,
    db: Session,
    delegation_id: str,
    by: str,
    *,
    actions: Sequence[Action],
    valid_until: datetime,
    application_ids: Sequence[str],
) -> Delegation:
    """Change a delegation; every portal that held it before or holds it now is told."""
    before = get_delegation(db, delegation_id)  # change_delegation checks who may change it
    return change_delegation(
        db,
        delegation_id,
        by,
        actions=actions,
        valid_until=valid_until,
        application_ids=application_ids,
        actor_is_approved_representative=_is_approved_representative(db, before.actor_subject),
        now=runtime.clock.now(),
        events=delegation_events(runtime),
    )


def suspend_representative(
    runtime: Runtime, db: Session, actor: str, by: str, reason: str = ""
) -> list[Delegation]:
    now, events = runtime.clock.now(), delegation_events(runtime)
    return suspend_actor(db, actor, by=by, reason=reason, now=now, events=events)


def reinstate_representative(
    runtime: Runtime, db: Session, actor: str, by: str, reason: str = ""
) -> list[Delegation]:
    now, events = runtime.clock.now(), delegation_events(runtime)
    return reinstate_actor(db, actor, by=by, now=now, events=events, reason=reason)


def default_end(now: datetime) -> datetime:
    return now + timedelta(days=365)
