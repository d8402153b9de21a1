"""When every second factor and every recovery code is lost: an identity check an officer
reviews (never a dead end, never a way around the second factor).

The person first proves their mailbox with the recovery code we emailed, then says who
they are (name, a phone number an officer can call, an application number they know,
what happened). An officer compares it with the account and its applications; on
approval every second factor is removed, every session ended (and, by the caller, every
grant), and the person is told to recover their account with the emailed code alone and
to set up a new second factor at once. On refusal they are told why and how to reach us.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.authn.models import IdentityCheck, RecoveryCode, TotpCredential, WebAuthnCredential
from idp.authn.sessions import SessionEndListener, end_all_sessions
from idp.errors import Conflict, InvalidInput, NotFound

DETAIL_LIMITS = {"name": 200, "phone": 40, "application_number": 64, "explanation": 1000}
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class IdentityClaim:
    name: str
    phone: str
    application_number: str
    explanation: str

    def errors(self) -> dict[str, str]:
        """Every field at fault, at once (name, phone and explanation are required)."""
        found = {}
        for field, limit in DETAIL_LIMITS.items():
            value = getattr(self, field).strip()
            if len(value) > limit:
                found[field] = "too_long"
            elif not value and field != "application_number":
                found[field] = "required"
        return found


def _reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def request_identity_check(
    db: Session, account: Account, claim: IdentityClaim, now: datetime
) -> IdentityCheck:
    if claim.errors():
        field = next(iter(claim.errors()))
        raise InvalidInput(field, f"{field} is missing or too long", limit=DETAIL_LIMITS[field])
    open_one = db.scalar(
        select(IdentityCheck).where(
            IdentityCheck.account_id == account.id, IdentityCheck.status == "pending"
        )
    )
    if open_one is not None:
        return open_one  # one request at a time; the person sees the same reference
    check = IdentityCheck(
        id=uuid.uuid4().hex,
        reference=_reference(),
        account_id=account.id,
        status="pending",
        details={k: getattr(claim, k).strip() for k in DETAIL_LIMITS},
        created_at=now,
    )
    db.add(check)
    db.flush()
    return check


def pending_identity_checks(db: Session, limit: int = 100) -> list[IdentityCheck]:
    return list(
        db.scalars(
            select(IdentityCheck)
            .where(IdentityCheck.status == "pending")
            .order_by(IdentityCheck.created_at)
            .limit(limit)
        )
    )


def remove_second_factors(db: Session, account_id: str) -> None:
    for table in (TotpCredential, WebAuthnCredential, RecoveryCode):
        db.execute(delete(table).where(table.account_id == account_id))


def decide_identity_check(
    db: Session,
    check_id: str,
    *,
    approve: bool,
    reason: str,
    officer_id: str,
    now: datetime,
    listener: SessionEndListener,
) -> tuple[IdentityCheck, Account]:
    """Approve (factors removed, sessions ended) or refuse (a reason is required)."""
    check = db.get(IdentityCheck, check_id[:32], with_for_update=True)
    account = db.get(Account, check.account_id) if check is not None else None
    if check is None or account is None:
        raise NotFound("no such identity check")
    if check.status != "pending":
        raise Conflict("another officer already decided this request", code="already_decided")
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH or (not approve and not reason):
        raise InvalidInput("reason", "a refusal needs a reason", limit=MAX_REASON_LENGTH)
    check.status = "approved" if approve else "rejected"
    check.decided_at, check.decided_by, check.reason = now, officer_id, reason
    if approve:
        remove_second_factors(db, account.id)
        end_all_sessions(db, account.id, reason="identity_checked", now=now, listener=listener)
    return check, account
