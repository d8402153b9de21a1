"""The enrolment's email code, and for a client account its *conversion code* (seed 004).

Eight digits by mail (`idp.authn.email_code`: stored as a keyed digest, constant-time
comparison, `MAX_ATTEMPTS` wrong guesses burn it), valid `CODE_TTL_SECONDS` (30 minutes,
as the conversion code of today's portal), single use (consumed when confirmed), and sent
again only after `RESEND_COOLDOWN_SECONDS`. The expiry and the cooldown are checked
against the request's clock as well as by the store's time to live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import EphemeralStore
from idp.authn.email_code import consume_code, issue_code, peek_payload, verify_code
from idp.enrolment.models import Enrolment
from idp.enrolment.service import add_event

CODE_TTL_SECONDS = 30 * 60
RESEND_COOLDOWN_SECONDS = 60


def purpose_of(enrolment: Enrolment) -> str:
    return "conversion" if enrolment.conversion else "enrolment"


def seconds_before_resend(store: EphemeralStore, enrolment: Enrolment, now: datetime) -> int:
    payload = peek_payload(store, purpose_of(enrolment), enrolment.id)
    if payload is None:
        return 0
    waited = now.timestamp() - float(payload["sent_at"])
    return max(0, int(RESEND_COOLDOWN_SECONDS - waited))


def send_code(store: EphemeralStore, enrolment: Enrolment, now: datetime) -> str | None:
    """A new code to mail, or None while the cooldown after the last one runs."""
    if seconds_before_resend(store, enrolment, now):
        return None
    payload = {"sent_at": now.timestamp(), "expires_at": now.timestamp() + CODE_TTL_SECONDS}
    return issue_code(store, purpose_of(enrolment), enrolment.id, payload, CODE_TTL_SECONDS)


@dataclass(frozen=True, slots=True)
class CodeResult:
    ok: bool
    reason: str = ""  # wrong | expired | exhausted


def confirm_email(
    db: Session, store: EphemeralStore, enrolment: Enrolment, code: str, now: datetime
) -> CodeResult:
    """Check the code; a right one is used up and the enrolment's email is confirmed."""
    purpose = purpose_of(enrolment)
    checked = verify_code(store, purpose, enrolment.id, code)
    if not checked.ok or checked.payload is None:
        return CodeResult(False, checked.reason)
    if float(checked.payload["expires_at"]) <= now.timestamp():
        consume_code(store, purpose, enrolment.id)
        return CodeResult(False, "expired")
    if not consume_code(store, purpose, enrolment.id, db=db):
        return CodeResult(False, "expired")
    enrolment.email_confirmed_at = enrolment.updated_at = now
    add_event(db, enrolment, f"{purpose}_code_confirmed", enrolment.account_id, now)
    return CodeResult(True)
