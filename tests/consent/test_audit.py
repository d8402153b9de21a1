"""The audit log is hash-chained: changes and deletions are detected."""

from __future__ import annotations

from sqlalchemy import delete, update

from consent import AuditEntry, record_event, verify_audit_chain


def _three(db, now):
    return [
        record_event(db, event=f"e{i}", actor="a", principal="p", now=now, details={"i": i})
        for i in range(3)
    ]


def test_untouched_chain_verifies(db_session, now):
    _three(db_session, now)
    check = verify_audit_chain(db_session)
    assert check.ok is True
    assert check.entries == 3


def test_edited_entry_is_detected(db_session, now):
    entries = _three(db_session, now)
    db_session.execute(
        update(AuditEntry).where(AuditEntry.seq == entries[1].seq).values(details={"i": 99})
    )
    db_session.expire_all()
    check = verify_audit_chain(db_session)
    assert (check.ok, check.broken_at) == (False, entries[1].seq)


def test_deleted_entry_is_detected(db_session, now):
    entries = _three(db_session, now)
    db_session.execute(delete(AuditEntry).where(AuditEntry.seq == entries[1].seq))
    check = verify_audit_chain(db_session)
    assert (check.ok, check.broken_at) == (False, entries[2].seq)


def test_removed_tail_is_detected(db_session, now):
    entries = _three(db_session, now)
    db_session.execute(delete(AuditEntry).where(AuditEntry.seq == entries[2].seq))
    check = verify_audit_chain(db_session)
    assert check.ok is False
    assert "end" in check.reason
