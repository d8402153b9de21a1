"""Revocation is a line in time: once it commits, no token under the old terms is issued
(issue 7 item 4). Issuers and a revoker race on PostgreSQL, each in its own transaction;
the audit chain (ordered by the lock on its head) must show no `token.issued` for the
delegation after `delegation.revoked`."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from consent import (
    AccessRefused,
    AuditEntry,
    NoEvents,
    accept_delegation,
    grant_delegation,
    record_event,
    register_application,
    resolve_access,
    revoke_delegation,
    suspend_actor,
    verify_audit_chain,
)
from idp.db import create_session_factory
from tests.concurrency import run_together
from tests.consent.conftest import NOW, request_for

ISSUERS = 4
SIGNING_SECONDS = 0.003  # what signing a token takes, between the check and the record


@pytest.fixture
def factory(backend, db_engine):
    if not backend.is_real:
        pytest.skip("row locks are PostgreSQL's; on SQLite the idp begins IMMEDIATE")
    return create_session_factory(db_engine)


@pytest.fixture
def delegation(factory):
    with factory() as db, db.begin():
        application, _ = register_application(
            db,
            portal_client_id="portal-a",
            portal_reference="E0001",
            program="Study permit",
            applicant_subject="applicant-sub",
            status="received",
            now=NOW,
        )
        granted = grant_delegation(
            db,
            request_for([application]),
            actor_is_approved_representative=False,
            now=NOW,
            events=NoEvents(),
        )
        accept_delegation(db, granted.id, "rep-sub", NOW, events=NoEvents())
        return granted.id


def _issue_until_refused(factory, stop: threading.Event) -> int:
    issued = 0
    while not stop.is_set():
        with factory() as db, db.begin():
            try:
                access = resolve_access(
                    db,
                    actor="rep-sub",
                    portal_client_id="portal-a",
                    requested=[("E0001", ["application.read"])],
                    now=NOW,
                )
            except AccessRefused:
                return issued
            time.sleep(SIGNING_SECONDS)
            record_event(
                db,
                event="token.issued",
                actor=access.actor,
                principal=access.principal,
                delegation_id=access.delegation_id,
                now=NOW,
            )
        issued += 1
    return issued


def _trail(factory, delegation_id):
    with factory() as db:
        assert verify_audit_chain(db).ok
        return list(
            db.scalars(
                select(AuditEntry.event)
                .where(AuditEntry.delegation_id == delegation_id)
                .order_by(AuditEntry.seq)
            )
        )


def _race(factory, end):
    stop = threading.Event()

    def ender():
        time.sleep(0.2)  # the issuers are busy by now
        with factory() as db, db.begin():
            end(db)
        time.sleep(0.2)  # any issuance still in flight has had time to record itself
        stop.set()

    issuers = [lambda: _issue_until_refused(factory, stop)] * ISSUERS
    return run_together(ender, *issuers)


def test_no_token_is_issued_after_a_revocation_commits(factory, delegation):
    outcomes = _race(
        factory,
        lambda db: revoke_delegation(db, delegation, "applicant-sub", NOW, events=NoEvents()),
    )
    assert all(isinstance(issued, int) for issued in outcomes[1:]), outcomes
    trail = _trail(factory, delegation)
    line = trail.index("delegation.revoked")
    assert "token.issued" in trail[:line]  # the race was run
    assert "token.issued" not in trail[line:]


def test_no_token_is_issued_after_a_suspension_commits(factory, delegation):
    _race(
        factory,
        lambda db: suspend_actor(
            db, "rep-sub", by="officer-sub", reason="review", now=NOW, events=NoEvents()
        ),
    )
    trail = _trail(factory, delegation)
    line = trail.index("delegation.suspended")
    assert "token.issued" in trail[:line]
    assert "token.issued" not in trail[line:]
