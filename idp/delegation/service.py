"""Delegation operations as the console, the CLI and the portal API call them.

Wraps `consent` with what only the composition root knows: who is an approved
representative (an approved, active enrolment of a paid type: `idp.representatives`),
and the portals to tell (Security Event Tokens through the outbox, `PortalAnnouncer`) in
the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

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
    request_delegation,
    revoke_delegation,
    suspend_actor,
)
from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.delegation.events import PortalAnnouncer, portals_of
from idp.representatives.service import is_approved_representative as _approved

DEFAULT_DURATION = timedelta(days=365)


def find_actor(db: Session, email: str) -> Account | None:
    account = find_account_by_email(db, email)
    return account if account is not None and account.status == "active" else None


def is_approved_representative(db: Session, subject: str) -> bool:
    """Paid delegation needs an approved representative enrolment (DESIGN.md section 2),
    not merely the `representative` role."""
    return _approved(db, subject)


def grant(db: Session, request: DelegationRequest, now: datetime) -> Delegation:
    return grant_delegation(
        db,
        request,
        actor_is_approved_representative=is_approved_representative(db, request.actor),
        now=now,
    )


def ask(db: Session, request: DelegationRequest, now: datetime) -> Delegation:
    return request_delegation(
        db,
        request,
        actor_is_approved_representative=is_approved_representative(db, request.actor),
        now=now,
    )


def accept(
    db: Session, announcer: PortalAnnouncer, delegation_id: str, actor: str, now: datetime
) -> Delegation:
    delegation = accept_delegation(db, delegation_id, actor, now)
    announcer.announce(db, delegation, "delegation-activated", now)
    return delegation


def approve(
    db: Session, announcer: PortalAnnouncer, delegation_id: str, principal: str, now: datetime
) -> Delegation:
    delegation = approve_request(db, delegation_id, principal, now)
    announcer.announce(db, delegation, "delegation-activated", now)
    return delegation


def revoke(
    db: Session, announcer: PortalAnnouncer, delegation_id: str, by: str, now: datetime
) -> Delegation:
    delegation = revoke_delegation(db, delegation_id, by, now)
    announcer.announce(db, delegation, "delegation-revoked", now)
    return delegation


def change(
    db: Session,
    announcer: PortalAnnouncer,
    delegation_id: str,
    by: str,
    *,
    actions: Sequence[Action],
    valid_until: datetime,
    application_ids: Sequence[str],
    now: datetime,
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
        actor_is_approved_representative=is_approved_representative(db, before.actor_subject),
        now=now,
    )
    portals.update(portals_of(db, delegation))
    announcer.announce(db, delegation, "delegation-changed", now, portals)
    return delegation


def suspend_representative(
    db: Session, announcer: PortalAnnouncer, actor: str, by: str, now: datetime
) -> list[Delegation]:
    suspended = suspend_actor(db, actor, by, now)
    for delegation in suspended:
        announcer.announce(db, delegation, "delegation-suspended", now)
    return suspended


def default_end(now: datetime) -> datetime:
    return now + DEFAULT_DURATION
