"""Delegation operations as the console, the CLI and the portal API call them.

Wraps `consent` with what only the composition root knows: who is an approved
representative (an approved, active enrolment of a paid type: `idp.representatives`),
and the
`consent.DelegationEvents` implementation the operations report to (Security Event Tokens
to portals through the outbox, `SecurityEventOutbox`), in the same transaction as the
change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from consent import (
    Action,
    Delegation,
    DelegationEvents,
    DelegationRequest,
    accept_delegation,
    approve_request,
    change_delegation,
    decline_delegation,
    get_delegation,
    grant_delegation,
    reinstate_actor,
    request_delegation,
    revoke_delegation,
    suspend_actor,
)
from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.representatives.service import is_approved_representative as _approved

DEFAULT_DURATION = timedelta(days=365)


def find_actor(db: Session, email: str) -> Account | None:
    account = find_account_by_email(db, email)
    return account if account is not None and account.is_active else None


def is_approved_representative(db: Session, subject: str) -> bool:
    """Paid delegation needs an approved representative enrolment (DESIGN.md section 2),
    not merely the `representative` role."""
    return _approved(db, subject)


def grant(
    db: Session,
    events: DelegationEvents,
    request: DelegationRequest,
    now: datetime,
    *,
    zone: tzinfo,
) -> Delegation:
    """`zone`: the service's (`Settings.display_zone`), whose calendar counts the years of
    the end date (`consent.last_delegation_day`)."""
    return grant_delegation(
        db,
        request,
        actor_is_approved_representative=is_approved_representative(db, request.actor),
        now=now,
        events=events,
        zone=zone,
    )


def ask(
    db: Session,
    events: DelegationEvents,
    request: DelegationRequest,
    now: datetime,
    *,
    zone: tzinfo,
) -> Delegation:
    """`zone`: the service's (`Settings.display_zone`), whose calendar counts the years of
    the end date (`consent.last_delegation_day`)."""
    return request_delegation(
        db,
        request,
        actor_is_approved_representative=is_approved_representative(db, request.actor),
        now=now,
        events=events,
        zone=zone,
    )


def accept(
    db: Session, events: DelegationEvents, delegation_id: str, actor: str, now: datetime
) -> Delegation:
    return accept_delegation(db, delegation_id, actor, now, events=events)


def decline(
    db: Session, events: DelegationEvents, delegation_id: str, actor: str, now: datetime
) -> Delegation:
    return decline_delegation(db, delegation_id, actor, now, events=events)


def approve(
    db: Session, events: DelegationEvents, delegation_id: str, principal: str, now: datetime
) -> Delegation:
    return approve_request(db, delegation_id, principal, now, events=events)


def revoke(
    db: Session, events: DelegationEvents, delegation_id: str, by: str, now: datetime
) -> Delegation:
    return revoke_delegation(db, delegation_id, by, now, events=events)


def change(
    db: Session,
    events: DelegationEvents,
    delegation_id: str,
    by: str,
    *,
    actions: Sequence[Action],
    valid_until: datetime,
    application_ids: Sequence[str],
    now: datetime,
    zone: tzinfo,
) -> Delegation:
    """Change a delegation; every portal that held it before or holds it now is told.
    `zone`: as for `grant`."""
    before = get_delegation(db, delegation_id)  # change_delegation checks who may change it
    return change_delegation(
        db,
        delegation_id,
        by,
        actions=actions,
        valid_until=valid_until,
        application_ids=application_ids,
        actor_is_approved_representative=is_approved_representative(db, before.actor_subject),
        now=now,
        events=events,
        zone=zone,
    )


def suspend_representative(
    db: Session, events: DelegationEvents, actor: str, *, by: str, reason: str, now: datetime
) -> list[Delegation]:
    return suspend_actor(db, actor, by=by, reason=reason, now=now, events=events)


def reinstate_representative(
    db: Session,
    events: DelegationEvents,
    actor: str,
    *,
    by: str,
    now: datetime,
    reason: str = "",
) -> list[Delegation]:
    return reinstate_actor(db, actor, by=by, now=now, events=events, reason=reason)


def default_end(now: datetime) -> datetime:
    return now + DEFAULT_DURATION
