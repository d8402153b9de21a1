"""Proving a second factor by code (TOTP or a recovery code), within the account's budget.

Used by sign-in, step-up and account recovery alike, so every path spends the same
per-account, per-factor budget (`attempts.py`): signing in again with the right password
does not give an attacker five more TOTP guesses, and each code is counted before it is
checked, so a burst of codes sent at once gets no more checks than the budget. When a
failure uses the budget up, the caller mails the owner (`CodeCheck.warn_owner`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import EphemeralStore
from idp.authn.attempts import AttemptBudget, just_exhausted, record_failure, record_success
from idp.authn.attempts import seconds_blocked as blocked
from idp.authn.recovery_codes import use_recovery_code
from idp.authn.totp import check_totp
from keys import MasterKey

METHODS = ("totp", "recovery")


@dataclass(frozen=True, slots=True)
class FactorCheck:
    ok: bool
    reason: str = ""  # wrong | reused | locked
    retry_after_seconds: int = 0
    warn_owner: bool = False


def verify_code_factor(
    db: Session,
    store: EphemeralStore,
    master: MasterKey,
    budget: AttemptBudget,
    *,
    account_id: str,
    method: str,
    code: str,
    now: datetime,
) -> FactorCheck:
    """Check a TOTP or recovery code for `account_id`, spending its budget on failure."""
    factor = "recovery" if method == "recovery" else "totp"
    # Numbered before it is checked (one atomic increment): codes sent at once, to many
    # threads or replicas, are checked no more than the budget allows, as one after another.
    count = record_failure(store, budget, factor, account_id)
    if count > budget.limit:
        return FactorCheck(False, "locked", blocked(store, budget, factor, account_id))
    if factor == "recovery":
        outcome = "ok" if use_recovery_code(db, account_id, code, now) else "wrong"
    else:
        outcome = check_totp(db, master, account_id, code, now)
    if outcome == "ok":
        record_success(store, factor, account_id)
        return FactorCheck(True)
    if outcome == "reused":  # the code just used, typed again: said so (it was counted)
        return FactorCheck(False, "reused")
    wait = blocked(store, budget, factor, account_id)
    return FactorCheck(False, "locked" if wait else "wrong", wait, just_exhausted(count, budget))
