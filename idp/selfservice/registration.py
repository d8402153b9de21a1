"""Registration with email confirmation.

It never tells a stranger whether an email has an account: registering an email that
exists mails its owner a notice instead of a code, the page says the same thing either
way, and both paths cost the same (the password is hashed either way, so the answer
takes as long). Such an email gets a decoy code record (one no code verifies), so the
confirmation step counts, burns and expires guesses alike and answers the same. The
pending registration (name, email, password hash) waits beside its code in the shared
store; the account exists only once the code is confirmed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import EphemeralStore, OutgoingMail
from idp.accounts.models import Account
from idp.accounts.passwords import Passwords
from idp.accounts.service import (
    create_account,
    find_account_by_email,
    normalise_email,
    validate_email,
    validate_password,
)
from idp.authn.email_code import check_code, issue_code, issue_decoy_code
from idp.errors import InvalidInput
from idp.notifications.mails import code_mail, notice_mail

MAX_NAME_LENGTH = 200
REGISTER = "register"


def email_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:40]


@dataclass(frozen=True, slots=True)
class NewAccount:
    name: str
    email: str
    password: str
    locale: str


def validate_registration(form: NewAccount) -> dict[str, str]:
    """Every field at fault at once, by field name (error codes the page translates)."""
    errors: dict[str, str] = {}
    name = form.name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        errors["name"] = "invalid_name"
    try:
        email = validate_email(form.email)
    except InvalidInput as error:
        errors["email"] = error.code
        email = form.email
    try:
        validate_password(form.password, email=email, name=name)
    except InvalidInput as error:
        errors["password"] = error.code
    return errors


def start_registration(
    db: Session, store: EphemeralStore, passwords: Passwords, form: NewAccount
) -> OutgoingMail:
    """The mail to send: a code, or (for a taken email) a notice to its owner."""
    email = validate_email(form.email)
    password_hash = passwords.hash(form.password)  # either way: the same time for both
    existing = find_account_by_email(db, email)
    if existing is not None:
        issue_decoy_code(store, REGISTER, email_key(email))
        return notice_mail(existing.email, existing.locale, "registration_attempt")
    payload = {
        "name": form.name.strip(),
        "email": email,
        "password_hash": password_hash,
        "locale": form.locale,
    }
    code = issue_code(store, REGISTER, email_key(email), payload)
    return code_mail(email, form.locale, code, REGISTER)


def confirm_registration(
    db: Session, store: EphemeralStore, passwords: Passwords, email: str, code: str, now: datetime
) -> tuple[Account | None, str]:
    """The new account, or None with the reason (wrong, expired, exhausted, taken)."""
    checked = check_code(store, REGISTER, email_key(email), code, db=db)
    if not checked.ok or checked.payload is None:
        return None, checked.reason
    data = checked.payload
    if find_account_by_email(db, data["email"]) is not None:
        return None, "taken"
    account = create_account(
        db,
        passwords,
        email=data["email"],
        password=None,
        name=data["name"],
        now=now,
        email_verified=True,
        locale=data["locale"],
    )
    account.password_hash = data["password_hash"]
    account.password_changed_at = now
    return account, ""
