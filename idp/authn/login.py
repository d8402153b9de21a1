"""Password sign-in: attempt budgets, verification, rehash on policy upgrade.

Failures are counted per account and per address in the shared store (so every replica
sees them) and the answer never says whether the email exists: an unknown email costs
the same argon2 verification as a wrong password and gets the same message. An address
that used up its budget has no more passwords checked, right or wrong, except from a
browser holding a device cookie of the account it names (OWASP's device cookies,
`idp.authn.device_cookies`): one address spraying a few common passwords across every
account gets nowhere, while a person who signed in before with their browser at a shared
office or campus address still gets in (one person's typing holds back only browsers new
to the account). An unknown email is refused like a known one without a cookie.
After 100 wrong passwords in a row for an email (NIST SP 800-63B 5.2.2), the password
alone opens nothing until the recovery page, which proves the mailbox, sets a new one:
guessing stops there, and the owner is never locked out.
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
from idp.authn.device_cookies import DeviceCookies
from idp.metrics import SIGN_INS

MAX_LOGIN_FIELD_LENGTH = 256
PASSWORD_FACTOR = "password"  # noqa: S105  # the name of a factor, not a secret
ADDRESS_FACTOR = "password-address"  # idem
RUN_FACTOR = "password-consecutive"  # idem


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: Account | None = None
    # invalid_credentials | rate_limited | address_limited | too_long | locked
    error_code: str | None = None
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
    devices: DeviceCookies,
    device_cookie: str | None,
    now: datetime,
) -> LoginResult:
    """Check a password typed in a browser (`device_cookie`: the one it presented)."""
    if len(email) > MAX_LOGIN_FIELD_LENGTH or len(password) > MAX_LOGIN_FIELD_LENGTH:
        # No account has such an email or password: say the limit (it tells nothing about
        # any account) instead of "incorrect", and count no guess.
        result = LoginResult(error_code="too_long")
    else:
        wait = blocked(store, budgets.password_per_address, ADDRESS_FACTOR, address)
        if wait and not devices.vouches_for(device_cookie, email, now):
            # Read, not counted: an address past its budget has no password checked (no
            # hash: the right one does not get in either) unless this browser signed in to
            # this email's account before. Unknown emails have no such browser.
            result = LoginResult(error_code="address_limited", retry_after_seconds=wait)
        else:
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
