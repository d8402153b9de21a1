"""Rows for consent tests: applications registered as a portal would."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from consent import Action, DelegationKind, DelegationRequest, NoEvents, register_application

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NO_EVENTS = NoEvents()
_n = itertools.count()


@pytest.fixture
def now():
    return NOW


@pytest.fixture
def make_application(db_session):
    def make(applicant="applicant-sub", portal="portal-a", **fields):
        application, _ = register_application(
            db_session,
            portal_client_id=portal,
            portal_reference=f"E{next(_n):08d}",
            program=fields.pop("program", "Study permit"),
            applicant_subject=applicant,
            status=fields.pop("status", "received"),
            now=NOW,
            **fields,
        )
        return application

    return make


def request_for(
    applications,
    *,
    actor="rep-sub",
    principal="applicant-sub",
    kind=DelegationKind.REPRESENTATIVE_UNPAID,
    actions=(Action.APPLICATION_READ, Action.DOCUMENTS_UPLOAD),
    days=30,
    portal=None,
):
    return DelegationRequest(
        principal=principal,
        actor=actor,
        kind=kind,
        actions=list(actions),
        valid_until=NOW + timedelta(days=days),
        application_ids=[a.id for a in applications],
        portal_client_id=portal,
    )
