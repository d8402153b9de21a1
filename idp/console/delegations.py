"""The applicant's and the representative's side of delegations, for the console pages.

Wraps `consent` with what only the composition root knows: who is an approved
representative (the `representative` role), the step-up rule for granting, and the
portals to notify (Security Event Tokens through the outbox) when a delegation ends.
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
    revoke_delegation,
    suspend_actor,
)
from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.sessions import BrowserSession
from idp.outbox.security_events import announce_delegation_event, portals_of
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


def grant(runtime: Runtime, db: Session, request: DelegationRequest) -> Delegation:
    return grant_delegation(
        db,
        request,
        actor_is_approved_representative=_is_approved_representative(db, request.actor),
        now=runtime.clock.now(),
    )


def _announce(
    runtime: Runtime,
    db: Session,
    delegation: Delegation,
    event: str,
    portals: dict[str, list[str]] | None = None,
) -> None:
    announce_delegation_event(
        db,
        delegation,
        event,
        issuer=runtime.settings.issuer,
        keyring=runtime.keyring,
        alg=runtime.settings.access_token_alg,
        now=runtime.clock.now(),
        portals=portals,
    )


def _is_approved_representative(db: Session, subject: str) -> bool:
    actor = db.scalar(select(Account).where(Account.subject == subject))
    return actor is not None and REPRESENTATIVE_ROLE in (actor.roles or [])


def accept(runtime: Runtime, db: Session, delegation_id: str, actor: str) -> Delegation:
    delegation = accept_delegation(db, delegation_id, actor, runtime.clock.now())
    _announce(runtime, db, delegation, "delegation-activated")
    return delegation


def approve(runtime: Runtime, db: Session, delegation_id: str, principal: str) -> Delegation:
    delegation = approve_request(db, delegation_id, principal, runtime.clock.now())
    _announce(runtime, db, delegation, "delegation-activated")
    return delegation


def revoke(runtime: Runtime, db: Session, delegation_id: str, by: str) -> Delegation:
    delegation = revoke_delegation(db, delegation_id, by, runtime.clock.now())
    _announce(runtime, db, delegation, "delegation-revoked")
    return delegation


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
    portals: dict[str, list[str]] = {client_id: [] for client_id in portals_of(db, before)}
    delegation = change_delegation(
        db,
        delegation_id,
        by,
        actions=actions,
        valid_until=valid_until,
        application_ids=application_ids,
        actor_is_approved_representative=_is_approved_representative(db, before.actor_subject),
        now=runtime.clock.now(),
    )
    portals.update(portals_of(db, delegation))
    _announce(runtime, db, delegation, "delegation-changed", portals)
    return delegation


def suspend_representative(runtime: Runtime, db: Session, actor: str, by: str) -> list[Delegation]:
    suspended = suspend_actor(db, actor, by, runtime.clock.now())
    for delegation in suspended:
        _announce(runtime, db, delegation, "delegation-suspended")
    return suspended


def default_end(now: datetime) -> datetime:
    return now + timedelta(days=365)
