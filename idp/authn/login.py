"""Password sign-in: attempt budgets, verification, rehash on policy upgrade.

Failures are counted per account and per address in the shared store (so every replica
sees them) and the answer never says whether the email exists: an unknown email costs
the same argon2 verification as a wrong password and gets the same message. An address
that used up its budget (a shared office or campus address) still lets a person with the
right password in: only its wrong guesses are refused, so one person's typing cannot
lock out another. After 100 wrong passwords in a row for an email (NIST SP 800-63B 5.2.2),
the password alone opens nothing until the recovery page, which proves the mailbox, sets a
new one: guessing stops there, and the owner is never locked out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import EphemeralStore
from idp.accounts.models import Account
from idp.accounts.passwords import Passwords
from idp.accounts.service import find_account_by_email
from idp.authn.attempts import Budgets, just_exhausted, record_failure, record_success
from idp.authn.attempts import seconds_blocked as blocked
from idp.metrics import SIGN_INS

MAX_LOGIN_FIELD_LENGTH = 256
PASSWORD_FACTOR = "password"  # noqa: S105  # the name of a factor, not a secret
ADDRESS_FACTOR = "password-address"  # idem
RUN_FACTOR = "password-consecutive"  # idem


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: Account | None = None
    error_code: str | None = None  # invalid_credentials | rate_limited | too_long | locked
    retry_after_seconds: int = 0
    warn_owner: Account | None = None  # the account whose budget this failure used up
    warning: str = "password_attempts"  # the notice to mail `warn_owner`


def _verified_account(
    db: Session, passwords: Passwords, email: str, password: str, now: datetime
) -> Account | None:
    account = find_account_by_email(db, email)
    ok = passwords.verify(account.password_hash if account else None, password)
    if not ok or account is None or not account.is_active:
        return None
    if account.password_hash and passwords.needs_rehash(account.password_hash):
        account.password_hash = passwords.hash(password)
        account.updated_at = now
    return account


def check_password_login(
    db: Session,
    store: EphemeralStore,
    passwords: Passwords,
    budgets: Budgets,
    *,
    email: str,
    password: str,
    address: str,
    now: datetime,
) -> LoginResult:
    result = _check_password(db, store, passwords, budgets, email, password, address, now)
    SIGN_INS.labels("password", result.error_code or "success").inc()
    return result


def _check_password(
    db: Session,
    store: EphemeralStore,
    passwords: Passwords,
    budgets: Budgets,
    email: str,
    password: str,
    address: str,
    now: datetime,
) -> LoginResult:
    if len(email) > MAX_LOGIN_FIELD_LENGTH or len(password) > MAX_LOGIN_FIELD_LENGTH:
        # No account has such an email or password: say the limit (it tells nothing about
        # any account) instead of "incorrect", and count no guess.
        return LoginResult(error_code="too_long")
    # The guess is numbered before the (slow) hash is checked, with one atomic increment:
    # guesses sent at once are checked no more than the account's budget allows.
    count = record_failure(store, budgets.password_per_account, PASSWORD_FACTOR, email)
    if count > budgets.password_per_account.limit:
        wait = blocked(store, budgets.password_per_account, PASSWORD_FACTOR, email)
        return LoginResult(error_code="rate_limited", retry_after_seconds=wait)
    run = record_failure(store, budgets.password_consecutive, RUN_FACTOR, email)
    if run > budgets.password_consecutive.limit:
        return LoginResult(error_code="locked")
    account = _verified_account(db, passwords, email, password, now)
    if account is not None:
        forget_wrong_passwords(store, email)
        return LoginResult(account=account)
    if just_exhausted(run, budgets.password_consecutive):
        owner = find_account_by_email(db, email)
        return LoginResult(error_code="invalid_credentials", warn_owner=owner, warning="locked")
    from_address = record_failure(store, budgets.password_per_address, ADDRESS_FACTOR, address)
    owner = None
    if just_exhausted(count, budgets.password_per_account):
        owner = find_account_by_email(db, email)
    # An address past its budget is refused from its next failure on, like an account: the
    # failure that uses the budget up is still answered as what it was.
    wait = blocked(store, budgets.password_per_address, ADDRESS_FACTOR, address)
    if wait and from_address > budgets.password_per_address.limit:
        return LoginResult(error_code="rate_limited", retry_after_seconds=wait, warn_owner=owner)
    return LoginResult(error_code="invalid_credentials", warn_owner=owner)


def forget_wrong_passwords(store: EphemeralStore, email: str) -> None:
    """A right password, or one chosen anew by the recovery, ends the run of wrong ones."""
    record_success(store, PASSWORD_FACTOR, email)
    record_success(store, RUN_FACTOR, email)
