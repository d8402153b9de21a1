"""Recovery codes: ten single-use codes, shown once, stored as SHA-256 digests.

Each code carries 80 random bits (16 base-32 characters, shown in groups of four), so a
digest is as safe as a slow hash here and verification stays fast. Regenerating replaces
the whole set.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from idp.authn.models import RecoveryCode

CODE_COUNT = 10
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def regenerate_recovery_codes(db: Session, account_id: str, now: datetime) -> list[str]:
    db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    codes = []
    for _ in range(CODE_COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4)))
        db.add(RecoveryCode(account_id=account_id, digest=_digest(raw), created_at=now))
    db.flush()
    return codes


def use_recovery_code(db: Session, account_id: str, code: str, now: datetime) -> bool:
    if len(code) > 64:
        return False
    row = db.get(RecoveryCode, (account_id, _digest(code)), with_for_update=True)
    if row is None or row.used_at is not None:
        return False
    row.used_at = now
    return True


def remaining_recovery_codes(db: Session, account_id: str) -> int:
    rows = db.scalars(
        select(RecoveryCode).where(
            RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(list(rows))
