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


def test_a_period_holds_the_entries_from_its_start_to_before_its_end(db_session, now):
    from datetime import timedelta

    from consent import events_between

    times = [now + timedelta(days=d) for d in range(4)]
    for day, at in enumerate(times):
        record_event(db_session, event=f"d{day}", actor="a", principal="p", now=at)
    record_event(db_session, event="other", actor="a", principal="q", now=times[1])
    found = events_between(db_session, "p", times[1], times[3], limit=10)
    assert [e.event for e in found] == ["d2", "d1"]
    assert [e.event for e in events_between(db_session, "p", None, None, limit=2)] == ["d3", "d2"]


def test_one_entry_is_found_only_in_its_principals_record(db_session, now):
    from consent import find_event

    entry = record_event(db_session, event="e", actor="a", principal="p", now=now)
    assert find_event(db_session, "p", entry.seq) is entry
    assert find_event(db_session, "q", entry.seq) is None
    assert find_event(db_session, "p", entry.seq + 1) is None
