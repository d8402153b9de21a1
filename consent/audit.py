"""The audit log the applicant can read, hash-chained so it cannot be edited quietly.

Each entry's hash is SHA-256 over the previous hash and the entry's canonical JSON; the
head row is locked while appending (FOR UPDATE), so concurrent writers extend one chain.
`verify_audit_chain` recomputes every hash: an edited entry breaks its own hash, a deleted
one breaks the next entry's link, a truncated tail no longer matches the head.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64


def _canonical(entry: AuditEntry) -> bytes:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
    document = {
        "seq": entry.seq,
        "at": at.astimezone(UTC).isoformat(),
        "actor": entry.actor,
        "event": entry.event,
        "principal": entry.principal_subject,
        "delegation": entry.delegation_id,
        "application": entry.application_id,
        "details": entry.details,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(entry)).hexdigest()


def record_event(
    db: Session,
    *,
    event: str,
    actor: str,
    principal: str,
    now: datetime,
    delegation_id: str | None = None,
    application_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    head = db.get(AuditHead, 1, with_for_update=True)
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS_HASH)
        db.add(head)
        db.flush()
    last_seq = db.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
    entry = AuditEntry(
        seq=last_seq + 1,
        at=now,
        actor=actor,
        event=event,
        principal_subject=principal,
        delegation_id=delegation_id,
        application_id=application_id,
        details=details or {},
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = _hash(head.last_hash, entry)
    head.last_hash = entry.hash
    db.add(entry)
    db.flush()
    return entry


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str = ""


def verify_audit_chain(db: Session) -> ChainCheck:
    previous, count = GENESIS_HASH, 0
    for entry in db.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        if entry.prev_hash != previous:
            return ChainCheck(
                False, count, entry.seq, "an entry before this one was removed or changed"
            )
        if _hash(previous, entry) != entry.hash:
            return ChainCheck(False, count, entry.seq, "this entry was changed")
        previous = entry.hash
    head = db.get(AuditHead, 1)
    if head is not None and head.last_hash != previous:
        return ChainCheck(False, count, None, "entries at the end were removed")
    return ChainCheck(True, count)


def events_between(
    db: Session,
    principal: str,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[AuditEntry]:
    """The principal's entries at or after `start` and before `end`, newest first."""
    query = select(AuditEntry).where(AuditEntry.principal_subject == principal)
    if start is not None:
        query = query.where(AuditEntry.at >= start)
    if end is not None:
        query = query.where(AuditEntry.at < end)
    return list(db.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)))


def find_event(db: Session, principal: str, seq: int) -> AuditEntry | None:
    """One entry of the principal's record, or None (another person's, or none)."""
    entry = db.get(AuditEntry, seq)
    return entry if entry is not None and entry.principal_subject == principal else None


def events_for(db: Session, principal: str, limit: int = 200) -> list[AuditEntry]:
    return list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.principal_subject == principal)
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        )
    )
