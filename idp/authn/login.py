"""Password sign-in: rate limits, verification, rehash on policy upgrade.

Failures are counted per account and per address in the shared store (so every replica
sees them) and the answer never says whether the email exists: an unknown email costs
the same argon2 verification as a wrong password and gets the same message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from limits import parse

from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.runtime import Runtime

MAX_LOGIN_FIELD_LENGTH = 256


@dataclass(frozen=True, slots=True)
class LoginResult:
    account_id: str | None = None
    error_code: str | None = None  # invalid_credentials | rate_limited
    retry_after_seconds: int = 0


def _limit_keys(email: str, address: str) -> list[str]:
    email_digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"ratelimit:login:account:{email_digest}", f"ratelimit:login:address:{address}"]


def check_password_login(runtime: Runtime, email: str, password: str, address: str) -> LoginResult:
    limit = parse(runtime.settings.login_rate_limit)
    window = int(limit.get_expiry())
    keys = _limit_keys(email, address)
    for key in keys:
        current = runtime.store.get(key)
        if current is not None and int(current) >= limit.amount:
            return LoginResult(
                error_code="rate_limited", retry_after_seconds=runtime.store.ttl(key) or window
            )
    if len(email) > MAX_LOGIN_FIELD_LENGTH or len(password) > MAX_LOGIN_FIELD_LENGTH:
        account = None
    else:
        with runtime.transaction() as db:
            account = find_account_by_email(db, email)
            password_hash = account.password_hash if account else None
            ok = runtime.passwords.verify(password_hash, password)
            if ok and account is not None and account.status == "active":
                if runtime.passwords.needs_rehash(password_hash or ""):
                    account.password_hash = runtime.passwords.hash(password)
                runtime.store.delete(keys[0])
                return LoginResult(account_id=account.id)
    for key in keys:
        runtime.store.incr(key, window)
    return LoginResult(error_code="invalid_credentials")


def find_signed_in_account(runtime: Runtime, account_id: str) -> Account | None:
    with runtime.transaction() as db:
        return db.get(Account, account_id)


def over_limit(runtime: Runtime, action: str, who: str) -> int:
    """Seconds to wait when `who` (an address or an account) used up `action`'s budget."""
    limit = parse(runtime.settings.login_rate_limit)
    key = f"ratelimit:{action}:" + hashlib.sha256(who.encode()).hexdigest()[:32]
    current = runtime.store.get(key)
    if current is not None and int(current) >= limit.amount:
        return runtime.store.ttl(key) or int(limit.get_expiry())
    return 0


def count_attempt(runtime: Runtime, action: str, who: str) -> None:
    limit = parse(runtime.settings.login_rate_limit)
    key = f"ratelimit:{action}:" + hashlib.sha256(who.encode()).hexdigest()[:32]
    runtime.store.incr(key, int(limit.get_expiry()))
