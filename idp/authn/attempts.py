"""Attempt budgets: how many wrong guesses a factor allows before it must wait.

Each budget belongs to one account and one factor (password, TOTP, recovery code, email
code), or to one network address, and lives in the shared store so every replica counts
together. A budget is a window: `limit` failures within `window_seconds`, then refusal
until the window ends. Only a success of the same factor resets it; signing in again with
the right password never restores the TOTP budget (DESIGN.md section 8: attempt budgets
belong to the account and the factor, never reset by another factor).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from adapters import EphemeralStore

KEY_PREFIX = "attempts:"


@dataclass(frozen=True, slots=True)
class AttemptBudget:
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class Budgets:
    """The budgets of the service (from `IDP_LOGIN_RATE_LIMIT` and fixed second-factor ones)."""

    password_per_account: AttemptBudget
    password_per_address: AttemptBudget
    # NIST SP 800-63B 5.2.2: at most 100 consecutive wrong passwords for an account, across
    # windows (the per-minute budget alone allows thousands a day). The run ends with a
    # right password or a password chosen anew by the emailed recovery.
    password_consecutive: AttemptBudget = AttemptBudget(100, 30 * 24 * 3600)
    second_factor: AttemptBudget = AttemptBudget(10, 15 * 60)
    email_code: AttemptBudget = AttemptBudget(10, 15 * 60)
    registration_per_address: AttemptBudget = AttemptBudget(10, 60)
    recovery: AttemptBudget = AttemptBudget(10, 60)


def _key(factor: str, who: str) -> str:
    return f"{KEY_PREFIX}{factor}:" + hashlib.sha256(who.strip().lower().encode()).hexdigest()[:32]


def seconds_blocked(store: EphemeralStore, budget: AttemptBudget, factor: str, who: str) -> int:
    """Seconds to wait before `who` may try `factor` again; 0 when allowed now."""
    key = _key(factor, who)
    current = store.get(key)
    if current is not None and int(current) >= budget.limit:
        return store.ttl(key) or budget.window_seconds
    return 0


def record_failure(store: EphemeralStore, budget: AttemptBudget, factor: str, who: str) -> int:
    """Count one wrong attempt; returns the count in the current window."""
    return store.incr(_key(factor, who), budget.window_seconds)


def record_success(store: EphemeralStore, factor: str, who: str) -> None:
    store.delete(_key(factor, who))


def just_exhausted(count: int, budget: AttemptBudget) -> bool:
    """True exactly once per window: when this failure used up the budget (mail the owner)."""
    return count == budget.limit
