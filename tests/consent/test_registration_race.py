"""A portal's retry that arrives while its first registration of an application is still
being written gets the same application, not an error (both backends)."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from consent import register_application
from consent.models import Application
from idp.db import create_session_factory
from tests.consent.conftest import NOW


def _register(db, reference: str):
    return register_application(
        db,
        portal_client_id="portal-a",
        portal_reference=reference,
        program="Study permit",
        applicant_subject="applicant-sub",
        status="received",
        now=NOW,
    )


def test_a_retry_during_the_first_registration_gets_the_same_application(db_engine):
    factory = create_session_factory(db_engine)
    reference = f"R-{secrets.token_hex(4)}"
    first_written, second_started = threading.Event(), threading.Event()

    def first():
        with factory() as db, db.begin():
            application, created = _register(db, reference)
            first_written.set()
            second_started.wait(10)
            threading.Event().wait(0.5)  # the retry now waits for this row
            return application.id, created

    def retry():
        first_written.wait(10)
        second_started.set()
        with factory() as db, db.begin():
            application, created = _register(db, reference)
            return application.id, created

    with ThreadPoolExecutor(2) as pool:
        firsts, retries = pool.submit(first), pool.submit(retry)
        (first_id, first_created), (retry_id, retry_created) = (
            firsts.result(timeout=30),
            retries.result(timeout=30),
        )
    assert (first_created, retry_created) == (True, False)
    assert retry_id == first_id
    with factory() as db:
        count = db.scalar(select(func.count()).where(Application.portal_reference == reference))
    assert count == 1
