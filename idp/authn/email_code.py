"""One-time codes sent by email (registration, password recovery, conversion later).

Eight digits (NIST SP 800-63B 5.1.3: at least 6), valid `CODE_TTL_SECONDS`, at most
`MAX_ATTEMPTS` wrong guesses before the code is burnt, stored as a keyed digest (HMAC with
a per-code salt) in the shared store, so a store dump reveals no code and replicas agree.
Comparison is constant-time. Guesses are counted with the store's atomic increment before
being compared, so a burst of guesses sent at once gets no more than one sent at a time.

A decoy (`issue_decoy_code`) is a record that no code verifies, with the same attempt
counter and lifetime: it stands in where no code is mailed (an email with no account to
recover, one that already has an account to register), so the guesses that follow are
counted, burnt and expired exactly as a real code's, and answer the same.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from adapters import EphemeralStore, StoreUnavailable
from idp.db import undo_if_not_committed

CODE_DIGITS = 8
CODE_TTL_SECONDS = 15 * 60
MAX_ATTEMPTS = 5
KEY_PREFIX = "email-code:"
ATTEMPTS_SUFFIX = ":attempts"  # the code's guess counter, beside it in the store


@dataclass(frozen=True, slots=True)
class CodeCheck:
    ok: bool
    payload: dict[str, Any] | None = None
    reason: str = ""  # wrong | expired | exhausted


def _digest(salt: str, code: str) -> str:
    return hmac.new(salt.encode(), code.encode(), hashlib.sha256).hexdigest()


def _keep(
    store: EphemeralStore,
    purpose: str,
    subject: str,
    secret: str,
    payload: dict[str, Any] | None,
    ttl_seconds: int,
) -> None:
    salt = secrets.token_hex(16)
    record = {"salt": salt, "digest": _digest(salt, secret), "payload": payload}
    key = f"{KEY_PREFIX}{purpose}:{subject}"
    store.set(key, json.dumps(record).encode(), ttl_seconds)
    store.delete(key + ATTEMPTS_SUFFIX)  # a new code starts with every guess


def issue_code(
    store: EphemeralStore,
    purpose: str,
    subject: str,
    payload: dict[str, Any],
    ttl_seconds: int = CODE_TTL_SECONDS,
) -> str:
    """Create (or replace) the code for `purpose` + `subject`; return it to mail."""
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    _keep(store, purpose, subject, code, payload, ttl_seconds)
    return code


def issue_decoy_code(
    store: EphemeralStore, purpose: str, subject: str, ttl_seconds: int = CODE_TTL_SECONDS
) -> None:
    """Create (or replace) a record for `purpose` + `subject` that no code verifies.

    Its secret is 32 hex characters; a guess is cut to digits, at most `CODE_DIGITS` + 2 of
    them, so none equals it. Wrong guesses count and burn it like a real code's."""
    _keep(store, purpose, subject, secrets.token_hex(16), None, ttl_seconds)


def verify_code(store: EphemeralStore, purpose: str, subject: str, code: str) -> CodeCheck:
    """Verify without consuming (a later step may still fail); a wrong guess counts."""
    key = f"{KEY_PREFIX}{purpose}:{subject}"
    raw = store.get(key)
    if raw is None:
        return CodeCheck(False, reason="expired")
    record = json.loads(raw)
    # The guess is counted (one atomic increment) before it is compared: guesses sent at
    # once, to many replicas, are numbered one by one and only `MAX_ATTEMPTS` are compared.
    attempt = store.incr(key + ATTEMPTS_SUFFIX, store.ttl(key) or 1)
    if attempt > MAX_ATTEMPTS:
        return CodeCheck(False, reason="expired")  # burnt by a guess numbered before it
    candidate = "".join(ch for ch in code if ch.isdigit())[: CODE_DIGITS + 2]
    if hmac.compare_digest(record["digest"], _digest(record["salt"], candidate)):
        store.delete(key + ATTEMPTS_SUFFIX)  # the right code: only wrong guesses count
        return CodeCheck(True, payload=record["payload"])
    if attempt == MAX_ATTEMPTS:
        store.delete(key)
        return CodeCheck(False, reason="exhausted")
    return CodeCheck(False, reason="wrong")


def consume_code(
    store: EphemeralStore, purpose: str, subject: str, *, db: Session | None = None
) -> bool:
    """Burn a verified code; False when a concurrent request consumed it first. With `db`,
    the code comes back if that transaction does not commit (the database went away and
    the page said "try again": the person's code must still work)."""
    key = f"{KEY_PREFIX}{purpose}:{subject}"
    seconds_left = store.ttl(key) if db is not None else None
    raw = store.pop(key)
    if raw is not None and db is not None and seconds_left:
        undo_if_not_committed(db, lambda: _put_back(store, key, raw, seconds_left))
    return raw is not None


def _put_back(store: EphemeralStore, key: str, raw: bytes, seconds_left: int) -> None:
    with contextlib.suppress(StoreUnavailable):  # the store is what failed: so is the code
        store.set(key, raw, seconds_left)


def check_code(
    store: EphemeralStore, purpose: str, subject: str, code: str, *, db: Session | None = None
) -> CodeCheck:
    """Verify and consume in one step; a wrong guess counts, the last one burns the code.
    With `db`, a code consumed by a transaction that does not commit is put back."""
    checked = verify_code(store, purpose, subject, code)
    if checked.ok and not consume_code(store, purpose, subject, db=db):
        return CodeCheck(False, reason="expired")
    return checked


def peek_payload(store: EphemeralStore, purpose: str, subject: str) -> dict[str, Any] | None:
    raw = store.get(f"{KEY_PREFIX}{purpose}:{subject}")
    return json.loads(raw)["payload"] if raw else None
