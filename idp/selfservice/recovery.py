"""Account recovery: an emailed code, plus the second factor when the account has one.

Recovery for an unknown email mails nothing but keeps a decoy code record (one no code
verifies), so wrong guesses are counted, burnt and expired as for a real account; every
answer names the same fields and says the same whether or not the email has an account
(no enumeration); the code is mailed after the answer (`routes.py`), so both take as long.
The emailed code is checked first without being spent: a wrong or missing second factor
leaves it usable (and never calls it "expired"), within the second factor's own
per-account budget. A recovery ends every session and every grant portals hold, and is
mailed to the owner. Someone who lost both their second factor and their recovery codes
asks for an identity check that an officer reviews (`identity_checks.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import EphemeralStore, OutgoingMail
from idp.accounts.models import Account
from idp.accounts.passwords import Passwords
from idp.accounts.service import find_account_by_email, validate_password
from idp.authn.attempts import AttemptBudget
from idp.authn.email_code import consume_code, issue_code, issue_decoy_code, verify_code
from idp.authn.login import forget_wrong_passwords
from idp.authn.second_factor import verify_code_factor
from idp.authn.signin import second_factors
from idp.errors import InvalidInput
from idp.notifications.mails import code_mail
from idp.selfservice.registration import email_key
from keys import MasterKey

RECOVER = "recover"
MAX_EMAIL_LENGTH = 254


def start_recovery(
    db: Session, store: EphemeralStore, email: str, locale: str
) -> OutgoingMail | None:
    if len(email) > MAX_EMAIL_LENGTH:
        return None
    account = find_account_by_email(db, email)
    if account is None or not account.is_active:
        issue_decoy_code(store, RECOVER, email_key(email))
        return None
    code = issue_code(store, RECOVER, email_key(email), {"account_id": account.id})
    return code_mail(account.email, account.locale or locale, code, RECOVER)


@dataclass(frozen=True, slots=True)
class RecoveryForm:
    email: str
    code: str
    password: str
    second_factor: str
    method: str = "totp"  # or "recovery"


@dataclass(frozen=True, slots=True)
class RecoveryResult:
    account: Account | None
    errors: dict[str, str]
    retry_after_seconds: int = 0


def finish_recovery(
    db: Session,
    store: EphemeralStore,
    passwords: Passwords,
    master: MasterKey,
    budget: AttemptBudget,
    form: RecoveryForm,
    now: datetime,
) -> RecoveryResult:
    """Check everything, then set the new password; the caller ends sessions and grants."""
    errors: dict[str, str] = {}
    try:
        validate_password(form.password, email=form.email)
    except InvalidInput as error:
        errors["password"] = error.code
    if not form.code.strip():  # nothing typed: asked for, and no guess counted
        return RecoveryResult(None, {**errors, "code": "missing"})
    checked = verify_code(store, RECOVER, email_key(form.email), form.code)
    if not checked.ok or checked.payload is None:
        # Unknown email, wrong code, expired code: one answer, on the same field.
        errors["code"] = "exhausted" if checked.reason == "exhausted" else "wrong"
        return RecoveryResult(None, errors)
    account = db.get(Account, checked.payload["account_id"])
    if account is None or not account.is_active:
        return RecoveryResult(None, {**errors, "code": "wrong"})
    if errors:
        return RecoveryResult(None, errors)
    if second_factors(db, account.id).any:
        if not form.second_factor.strip():  # nothing typed: asked for, and no guess counted
            return RecoveryResult(None, {"second_factor": "missing"})
        factor = verify_code_factor(
            db,
            store,
            master,
            budget,
            account_id=account.id,
            method=form.method,
            code=form.second_factor,
            now=now,
        )
        if not factor.ok:
            return RecoveryResult(
                None, {"second_factor": factor.reason}, factor.retry_after_seconds
            )
    if not consume_code(store, RECOVER, email_key(form.email), db=db):
        return RecoveryResult(None, {"code": "wrong"})
    account.password_hash = passwords.hash(form.password)
    account.password_changed_at = account.updated_at = now
    forget_wrong_passwords(store, account.email)
    return RecoveryResult(account, {})
