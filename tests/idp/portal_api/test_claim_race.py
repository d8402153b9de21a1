"""A portal's retry that arrives while its first email claim of an application is still
being written gets the same pending claim, not a second one (both backends)."""

from __future__ import annotations

from sqlalchemy import func, select

from idp.applications.models import ApplicationClaim
from idp.applications.service import ReportedApplication, claim_for_email
from tests.concurrency import run_overlapping
from tests.factories.idp import make_client, transaction


def test_a_retry_during_the_first_claim_gets_the_same_pending_claim(components):
    portal, _secret = make_client(components)
    report = ReportedApplication("A-1001", "Study permit", "received", 0, "")
    now = components.clock.now()

    def claim(_n, written) -> str:
        with transaction(components) as db:
            pending = claim_for_email(db, portal, "someone@example.ca", report, now)
            written()
            return pending.id

    first, retry = run_overlapping(claim)
    assert isinstance(first, str)
    assert retry == first
    with transaction(components) as db:
        pending = select(func.count()).where(
            ApplicationClaim.portal_client_id == portal.client_id,
            ApplicationClaim.application_number == "A-1001",
            ApplicationClaim.status == "pending",
        )
        assert db.scalar(pending) == 1
