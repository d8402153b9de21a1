"""Suspending and reinstating a representative (officers' page and `idp representatives`).

A suspension applies at once to every delegation the representative holds (their
portals are told), marks their representative record suspended (no paid representation,
no representative claims, no representative ID in tokens) and removes the role; a
reinstatement undoes the record and the role. Both need a reason, recorded and mailed to
the representative in their language.

The delegations side is consent's (`suspend_actor` covers requested, pending and active
delegations and refuses new ones; `reinstate_actor` restores exactly what it stopped),
reached through `idp.delegation.service` with the portals' events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import OutgoingMail
from consent import DelegationEvents
from idp.accounts.models import Account
from idp.delegation.service import reinstate_representative, suspend_representative
from idp.errors import InvalidInput
from idp.notifications.enrolment_mails import suspension_mail
from idp.representatives.service import RepresentativeStatus, set_status

MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class StatusChange:
    delegations: int
    mail: OutgoingMail


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text or len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(
            "reason",
            f"give a reason of 1 to {MAX_REASON_LENGTH} characters",
            limit=MAX_REASON_LENGTH,
            code="required" if not text else "too_long",
        )
    return text


def suspend(
    db: Session,
    events: DelegationEvents,
    account: Account,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> StatusChange:
    """`by` is the officer's subject (the audit log names them)."""
    text = check_reason(reason)
    suspended = suspend_representative(db, events, account.subject, by=by, reason=text, now=now)
    set_status(db, account, RepresentativeStatus.SUSPENDED, by=by, reason=text, now=now)
    mail = suspension_mail(account.email, account.locale, suspended=True, reason=text)
    return StatusChange(len(suspended), mail)


def reinstate(
    db: Session,
    events: DelegationEvents,
    account: Account,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> StatusChange:
    text = check_reason(reason)
    restored = reinstate_representative(db, events, account.subject, by=by, now=now, reason=text)
    set_status(db, account, RepresentativeStatus.ACTIVE, by=by, reason=text, now=now)
    mail = suspension_mail(account.email, account.locale, suspended=False, reason=text)
    return StatusChange(len(restored), mail)
