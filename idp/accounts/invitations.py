"""Invitations: an officer creates the account's door, the invitee walks through it.

As the Permanent Residence portal does today, but with one account per person: the link
carries a 256-bit token (stored as a digest), works once, and expires after
`INVITATION_TTL_DAYS`. The email is proven by receiving the link, so the account starts
with a verified email; the invitee sets their own password (and may add a second factor).

Inviting someone again (the retry a refused mail asks for, or a lost mail) issues the open
invitation again rather than a second one: a new token, so exactly one link works, the
one in the last mail. A unique index keeps one invitation in force per inviter and email,
so two requests at the same instant issue one invitation too.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.accounts.models import Account, AccountStatus, Invitation
from idp.accounts.passwords import Passwords
from idp.accounts.service import (
    SUPPORTED_LOCALES,
    create_account,
    find_account_by_email,
    validate_email,
    validate_password,
)
from idp.db import serialize_with_writers
from idp.errors import Conflict, InvalidInput, Unavailable

INVITATION_TTL_DAYS = 14
MAX_NAME_LENGTH = 200
# Ours refused because another request added the invitation first, then theirs issued again.
ISSUE_ATTEMPTS = 2


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    def link(self, issuer: str) -> str:
        return f"{issuer}/invitations/accept?token={self.token}"


def check_invitation(db: Session, *, email: str, name: str, locale: str) -> dict[str, str]:
    """Every field at fault at once, in the form's order (error codes by field); empty when
    the invitation may be created. The name is optional; an email with an account is
    `email_taken` (the person signs in instead)."""
    errors: dict[str, str] = {}
    try:
        address = validate_email(email)
    except InvalidInput as error:
        errors["email"] = error.code
    else:
        if find_account_by_email(db, address) is not None:
            errors["email"] = "email_taken"
    if len(name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = "invalid_name"
    if locale not in SUPPORTED_LOCALES:
        errors["locale"] = "invalid_choice"
    return errors


def create_invitation(
    db: Session,
    *,
    email: str,
    name: str,
    invited_by: str | None,
    now: datetime,
    locale: str = "en",
) -> IssuedInvitation:
    """Create the invitation, or issue again the one `invited_by` has open for this email
    (`_issue_invitation`): same row, new token and expiry, so the link of an earlier
    mail stops working. Raises on the first field `check_invitation` reports (call it first
    to show every field at fault)."""
    errors = check_invitation(db, email=email, name=name, locale=locale)
    if errors.get("email") == "email_taken":
        raise Conflict("an account with this email already exists", code="email_taken")
    if "email" in errors:
        validate_email(email)  # raises naming the field and the limit
    if "name" in errors:
        raise InvalidInput(
            "name", f"name exceeds {MAX_NAME_LENGTH} characters", limit=MAX_NAME_LENGTH
        )
    if "locale" in errors:
        raise InvalidInput("locale", "locale must be en or fr")
    token = secrets.token_urlsafe(32)
    fields = {
        "name": name.strip(),
        "locale": locale,
        "token_digest": _digest(token),
        "expires_at": now + timedelta(days=INVITATION_TTL_DAYS),
    }
    invitation = _issue_invitation(db, validate_email(email), invited_by, now, fields)
    return IssuedInvitation(invitation, token)


def _invitation_in_force(db: Session, email: str, invited_by: str | None) -> Invitation | None:
    """The invitation `invited_by` (None: the operator's CLI) has in force for `email`:
    neither accepted nor superseded, nor one to claim an unclaimed identity
    (`invite_to_claim`); a unique index keeps it one. Locked, so that two retries issue it
    in turn."""
    inviter = (
        Invitation.invited_by.is_(None)
        if invited_by is None
        else Invitation.invited_by == invited_by
    )
    return db.scalar(
        select(Invitation)
        .where(
            Invitation.email == email,
            inviter,
            Invitation.accepted_at.is_(None),
            Invitation.account_id.is_(None),
            Invitation.superseded_at.is_(None),
        )
        .with_for_update()
    )


def _issue_invitation(
    db: Session, email: str, invited_by: str | None, now: datetime, fields: dict[str, Any]
) -> Invitation:
    """The open invitation `invited_by` made for `email` with `fields` set, else a new one.

    An expired one is superseded by the new one. A request at the same instant may add the
    new one first: the unique index refuses ours (in a savepoint, so the rest of the unit
    of work stays), and we issue theirs again, as a retry would.
    """
    serialize_with_writers(db)  # SQLite ignores the row lock: take the write lock first
    for _attempt in range(ISSUE_ATTEMPTS):
        current = _invitation_in_force(db, email, invited_by)
        if current is not None and current.expires_at > now:
            for name, value in fields.items():
                setattr(current, name, value)
            db.flush()
            return current
        if current is not None:
            current.superseded_at = now
        db.flush()  # what came before is not ours to retry
        added = Invitation(
            id=uuid.uuid4().hex, email=email, invited_by=invited_by, created_at=now, **fields
        )
        try:
            with db.begin_nested():
                db.add(added)
        except IntegrityError:
            continue  # another request added it first: issue that one
        return added
    raise Unavailable("database", "the invitation is being issued by another request")


def invite_to_claim(
    db: Session, account: Account, *, invited_by: str | None, now: datetime
) -> IssuedInvitation:
    """An invitation to claim an unclaimed identity (conversion): accepting it sets the
    password of *that* account, so its `sub` and its applications stay."""
    if account.status != AccountStatus.UNCLAIMED:
        raise Conflict("this account is already claimed", code="email_taken")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        id=uuid.uuid4().hex,
        email=account.email,
        name=account.name,
        token_digest=_digest(token),
        invited_by=invited_by,
        locale=account.locale,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_TTL_DAYS),
        account_id=account.id,
    )
    db.add(invitation)
    db.flush()
    return IssuedInvitation(invitation, token)


def _claim_account(
    db: Session,
    passwords: Passwords,
    invitation: Invitation,
    name: str,
    password: str,
    now: datetime,
) -> Account | None:
    """The unclaimed identity this invitation was made for, now active; None otherwise."""
    account = db.get(Account, invitation.account_id) if invitation.account_id else None
    if account is None or account.status != AccountStatus.UNCLAIMED:
        return None
    account.password_hash = passwords.hash(password)
    account.name = (name or account.name).strip()[:MAX_NAME_LENGTH]
    account.email_verified = True
    account.status = AccountStatus.ACTIVE
    account.password_changed_at = account.updated_at = now
    return account


def find_open_invitation(db: Session, token: str, now: datetime) -> Invitation | None:
    if not token or len(token) > 100:
        return None
    invitation = db.scalar(select(Invitation).where(Invitation.token_digest == _digest(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        return None
    return invitation


def accept_invitation(
    db: Session,
    passwords: Passwords,
    *,
    token: str,
    name: str,
    password: str,
    now: datetime,
    locale: str | None = None,
) -> Account:
    """Create the invitee's account, in the language they chose on the page (`locale`), else
    the invitation's; the invitation works once.

    Everything is checked before the invitation is claimed, so a refused password leaves
    it open for the next try.
    """
    if locale not in SUPPORTED_LOCALES:
        locale = None
    invitation = find_open_invitation(db, token, now)
    if invitation is None:
        raise InvalidInput(
            "token", "this invitation is used, expired or unknown", code="invitation_closed"
        )
    validate_password(password, email=invitation.email, name=name or invitation.name)
    claimed = db.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]  # accepted by a concurrent request
        raise InvalidInput(
            "token", "this invitation is used, expired or unknown", code="invitation_closed"
        )
    claimed_account = _claim_account(db, passwords, invitation, name, password, now)
    if claimed_account is not None:
        claimed_account.locale = locale or claimed_account.locale
        return claimed_account
    account = create_account(
        db,
        passwords,
        email=invitation.email,
        password=password,
        name=name or invitation.name,
        now=now,
        email_verified=True,
        locale=locale or invitation.locale,
    )
    account.password_changed_at = now
    invitation.account_id = account.id
    return account


def list_invitations(db: Session, limit: int = 50) -> list[Invitation]:
    return list(db.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(limit)))
