"""Registration with email confirmation, and password recovery.

Neither flow tells a stranger whether an email has an account: registering an email that
exists mails its owner a notice instead of a code, and recovery for an unknown email
mails nothing; the pages say the same thing either way. The pending registration (name,
email, password hash) waits beside its code in the shared store; the account exists
only once the code is confirmed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from idp.accounts.models import Account
from idp.accounts.service import (
    create_account,
    find_account_by_email,
    normalise_email,
    validate_email,
    validate_password,
)
from idp.authn.email_code import check_code, issue_code
from idp.authn.mails import code_mail, notice_mail
from idp.authn.recovery_codes import use_recovery_code
from idp.authn.signin import second_factors
from idp.authn.totp import verify_totp
from idp.errors import InvalidInput
from idp.runtime import Runtime

MAX_NAME_LENGTH = 200


def email_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:40]


def start_registration(
    runtime: Runtime, *, name: str, email: str, password: str, locale: str
) -> None:
    """Validate, then mail a code (or, for a taken email, a notice to its owner)."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", "name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            "name", f"name exceeds {MAX_NAME_LENGTH} characters", limit=MAX_NAME_LENGTH
        )
    email = validate_email(email)
    validate_password(password, email=email, name=name)
    with runtime.transaction() as db:
        existing = find_account_by_email(db, email)
    if existing is not None:
        runtime.mailer.send(notice_mail(existing.email, existing.locale, "registration_attempt"))
        return
    payload = {
        "name": name,
        "email": email,
        "password_hash": runtime.passwords.hash(password),
        "locale": locale,
    }
    code = issue_code(runtime.store, "register", email_key(email), payload)
    runtime.mailer.send(code_mail(email, locale, code, "register"))


def confirm_registration(runtime: Runtime, email: str, code: str) -> tuple[Account | None, str]:
    """The new account, or None with the reason (wrong, expired, exhausted, taken)."""
    checked = check_code(runtime.store, "register", email_key(email), code)
    if not checked.ok or checked.payload is None:
        return None, checked.reason
    data = checked.payload
    with runtime.transaction() as db:
        if find_account_by_email(db, data["email"]) is not None:
            return None, "taken"
        account = create_account(
            db,
            runtime.passwords,
            email=data["email"],
            password=None,
            name=data["name"],
            now=runtime.clock.now(),
            email_verified=True,
            locale=data["locale"],
        )
        account.password_hash = data["password_hash"]
        account.password_changed_at = runtime.clock.now()
        return account, ""


def start_recovery(runtime: Runtime, email: str, locale: str) -> None:
    if len(email) > 254:
        return
    with runtime.transaction() as db:
        account = find_account_by_email(db, email)
    if account is None or account.status != "active":
        return
    code = issue_code(runtime.store, "recover", email_key(email), {"account_id": account.id})
    runtime.mailer.send(code_mail(account.email, account.locale or locale, code, "recover"))


@dataclass(frozen=True, slots=True)
class RecoveryResult:
    account: Account | None
    error_field: str = ""
    error_code: str = ""


def finish_recovery(
    runtime: Runtime, *, email: str, code: str, password: str, second_factor: str
) -> RecoveryResult:
    """Check the code (and the second factor when one is enrolled), set the new password,
    end every session, and tell the account holder."""
    with runtime.transaction() as db:
        account = find_account_by_email(db, email)
        if account is not None:
            try:
                validate_password(password, email=account.email, name=account.name)
            except InvalidInput as error:
                return RecoveryResult(None, "password", error.code)
            needs_factor = second_factors(db, account.id).any
    if account is None:
        return RecoveryResult(None, "code", "wrong")
    checked = check_code(runtime.store, "recover", email_key(email), code)
    if not checked.ok:
        return RecoveryResult(None, "code", checked.reason)
    now = runtime.clock.now()
    with runtime.transaction() as db:
        row = db.get(Account, account.id)
        assert row is not None  # found above, accounts are never deleted
        if needs_factor and not (
            verify_totp(db, runtime.master_key, row.id, second_factor, now)
            or use_recovery_code(db, row.id, second_factor, now)
        ):
            return RecoveryResult(None, "second_factor", "wrong")
        row.password_hash = runtime.passwords.hash(password)
        row.password_changed_at = now
        row.updated_at = now
    runtime.browser_sessions.end_all(account.id, "password_changed")
    runtime.mailer.send(notice_mail(account.email, account.locale, "password_changed"))
    return RecoveryResult(account)
