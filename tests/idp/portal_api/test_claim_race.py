"""A portal's retry that arrives while its first email claim of an application is still
being written gets the same pending claim, not a second one (both backends)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from idp.applications.models import ApplicationClaim
from idp.applications.service import ReportedApplication, claim_for_email
from tests.concurrency import run_together
from tests.factories.idp import make_client, transaction


def test_a_retry_during_the_first_claim_gets_the_same_pending_claim(components):
    portal, _secret = make_client(components)
    report = ReportedApplication("A-1001", "Study permit", "received", 0, "")
    now = components.clock.now()
    first_written = threading.Event()

    def claim(hold: bool):
        def job() -> str:
            with transaction(components) as db:
                if not hold:
                    first_written.wait(10)
                written = claim_for_email(db, portal, "someone@example.ca", report, now)
                if hold:
                    first_written.set()
                    threading.Event().wait(0.5)  # the retry now waits for this claim
                return written.id

        return job

    results = run_together(claim(True), claim(False))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results[0] == results[1]
    with transaction(components) as db:
        pending = db.scalar(
            select(func.count()).where(
                ApplicationClaim.portal_client_id == portal.client_id,
                ApplicationClaim.application_number == "A-1001",
                ApplicationClaim.status == "pending",
            )
        )
    assert pending == 1
