"""Accounts: creation and lookup. Sign-in methods live in `idp/authn/`, one module each."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from idp.accounts.models import Account, AccountStatus
from idp.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    Passwords,
    password_problem,
)
from idp.errors import Conflict, InvalidInput, NotFound

MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200
SUPPORTED_LOCALES = ("en", "fr")


class AccountNotFound(NotFound):
    code = "account_not_found"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def validate_email(email: str) -> str:
    email = normalise_email(email)
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput(
            "email", f"email exceeds {MAX_EMAIL_LENGTH} characters", limit=MAX_EMAIL_LENGTH
        )
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or domain.startswith("."):
        raise InvalidInput("email", "email is not a valid address")
    return email


PASSWORD_MESSAGES = {
    "too_short": f"password must be at least {MIN_PASSWORD_LENGTH} characters",
    "too_long": f"password exceeds {MAX_PASSWORD_LENGTH} characters",
    "common": "password is too common: it appears in lists of breached passwords",
    "contains_identity": "password must not contain your email address or name",
}


def validate_password(password: str, *, email: str = "", name: str = "") -> str:
    """NIST SP 800-63B rules (`password_problem`); raises naming the field and the limit."""
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        limit = {"too_short": MIN_PASSWORD_LENGTH, "too_long": MAX_PASSWORD_LENGTH}.get(problem)
        raise InvalidInput(
            "password", PASSWORD_MESSAGES[problem], limit=limit, code=f"password_{problem}"
        )
    return password


def create_account(
    session: Session,
    passwords: Passwords,
    *,
    email: str,
    password: str | None,
    name: str,
    now: datetime,
    email_verified: bool = False,
    locale: str = "en",
) -> Account:
    email = validate_email(email)
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            "name", f"name must be 1 to {MAX_NAME_LENGTH} characters", limit=MAX_NAME_LENGTH
        )
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput("locale", "locale must be en or fr")
    if password is not None:
        validate_password(password, email=email, name=name)
    if find_account_by_email(session, email) is not None:
        raise Conflict("an account with this email already exists", code="email_taken")
    account = Account(
        id=uuid.uuid4().hex,
        subject=secrets.token_urlsafe(24),
        email=email,
        email_verified=email_verified,
        name=name,
        password_hash=passwords.hash(password) if password is not None else None,
        locale=locale,
        status=AccountStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    return account


def create_unclaimed_account(
    session: Session, *, email: str, name: str, locale: str, now: datetime
) -> Account:
    """An identity that owns applications filed for a person before they have an account.

    It has no password and cannot sign in (its status is not `active`); its owner claims
    it through an invitation (`invitations.invite_to_claim`), keeping its `sub`.
    """
    email = validate_email(email)
    if find_account_by_email(session, email) is not None:
        raise Conflict("an account with this email already exists", code="email_taken")
    account = Account(
        id=uuid.uuid4().hex,
        subject=secrets.token_urlsafe(24),
        email=email,
        email_verified=False,
        name=name.strip()[:MAX_NAME_LENGTH] or email,
        password_hash=None,
        locale=locale if locale in SUPPORTED_LOCALES else "en",
        status=AccountStatus.UNCLAIMED,
        created_at=now,
        updated_at=now,
    )
    session.add(account)
    session.flush()
    return account


_BY_EMAIL = select(Account).where(Account.email == bindparam("email"))  # built once: sign-in


def find_account_by_email(session: Session, email: str) -> Account | None:
    if len(email) > MAX_EMAIL_LENGTH:
        return None
    return session.scalar(_BY_EMAIL, {"email": normalise_email(email)})


def find_account(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def get_account(session: Session, account_id: str) -> Account:
    account = find_account(session, account_id)
    if account is None:
        raise AccountNotFound(f"no account {account_id}")
    return account
