"""A portal's retry that arrives while its first registration of an application is still
being written gets the same application, not an error (both backends)."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from consent import register_application
from consent.models import Application
from idp.db import create_session_factory
from tests.concurrency import run_overlapping
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

    def register(_n, written):
        with factory() as db, db.begin():
            application, created = _register(db, reference)
            written()
            return application.id, created

    (first_id, first_created), (retry_id, retry_created) = run_overlapping(register)
    assert (first_created, retry_created) == (True, False)
    assert retry_id == first_id
    with factory() as db:
        count = db.scalar(select(func.count()).where(Application.portal_reference == reference))
    assert count == 1
