"""TOTP second factor (RFC 6238 via pyotp): enrolment, confirmation, verification.

The seed is sealed under the master key (it must be read back to verify). Enrolment shows
a QR code rendered as SVG by segno (no image library) and becomes active only once a
first code is confirmed. Codes are accepted one step either side (±30 s of clock drift)
and never twice: the last accepted time step is stored and anything at or before it is
refused (RFC 6238 section 5.2).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from sqlalchemy.orm import Session

from idp.authn.models import TotpCredential
from keys import MasterKey, open_sealed, seal

ISSUER_NAME = "Passerelle"
STEP_SECONDS = 30
VALID_WINDOW_STEPS = 1


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str
    uri: str
    qr_svg_data_uri: str


def _aad(account_id: str) -> bytes:
    return f"totp:{account_id}".encode()


def start_totp_enrolment(email: str, secret: str | None = None) -> TotpEnrolment:
    """A new seed to show; nothing is stored until `confirm_totp` sees a first good code."""
    secret = secret or pyotp.random_base32(32)
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER_NAME)
    qr = segno.make(uri, error="m")
    return TotpEnrolment(secret, uri, qr.svg_data_uri(scale=4, dark="#000", light="#fff"))


def _step_match(secret: str, code: str, at: float) -> int | None:
    totp = pyotp.TOTP(secret)
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    current = int(at // STEP_SECONDS)
    for step in range(current - VALID_WINDOW_STEPS, current + VALID_WINDOW_STEPS + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def confirm_totp(
    db: Session, master: MasterKey, account_id: str, secret: str, code: str, now: datetime
) -> bool:
    step = _step_match(secret, code, now.timestamp())
    if step is None:
        return False
    row = db.get(TotpCredential, account_id)
    sealed = seal(master, secret.encode(), _aad(account_id))
    if row is None:
        db.add(
            TotpCredential(
                account_id=account_id,
                secret_sealed=sealed,
                created_at=now,
                confirmed_at=now,
                last_used_step=step,
            )
        )
    else:
        row.secret_sealed, row.confirmed_at, row.last_used_step = sealed, now, step
    db.flush()
    return True


def has_totp(db: Session, account_id: str) -> bool:
    row = db.get(TotpCredential, account_id)
    return row is not None and row.confirmed_at is not None


def check_totp(db: Session, master: MasterKey, account_id: str, code: str, now: datetime) -> str:
    """`ok`, `reused` (the code of a step already used: wait for the next one) or `wrong`."""
    row = db.get(TotpCredential, account_id, with_for_update=True)
    if row is None or row.confirmed_at is None:
        return "wrong"
    secret = open_sealed(master, row.secret_sealed, _aad(account_id)).decode()
    step = _step_match(secret, code, now.timestamp())
    if step is None:
        return "wrong"
    if row.last_used_step is not None and step <= row.last_used_step:
        return "reused"
    row.last_used_step = step
    return "ok"


def verify_totp(db: Session, master: MasterKey, account_id: str, code: str, now: datetime) -> bool:
    return check_totp(db, master, account_id, code, now) == "ok"


def remove_totp(db: Session, account_id: str) -> None:
    row = db.get(TotpCredential, account_id)
    if row is not None:
        db.delete(row)


def current_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app would show (tests and the demo)."""
    return str(pyotp.TOTP(secret).at(int(at if at is not None else time.time())))
