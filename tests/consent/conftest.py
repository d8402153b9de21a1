"""Rows for consent tests: applications registered as a portal would."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from consent import (
    Action,
    DelegationKind,
    DelegationRequest,
    NoEvents,
    accept_delegation,
    grant_delegation,
    register_application,
    request_delegation,
)

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


def appoint(db, applications, *, now=NOW, approved=False, events=NO_EVENTS, **request):
    """The applicant's appointment of `request_for(applications, **request)`, waiting for
    the actor to accept; `approved`: the actor is an approved representative."""
    return grant_delegation(
        db,
        request_for(applications, **request),
        actor_is_approved_representative=approved,
        now=now,
        events=events,
    )


def ask(db, applications, *, now=NOW, approved=False, events=NO_EVENTS, **request):
    """The actor's request for `request_for(applications, **request)`, waiting for the
    applicant to approve."""
    return request_delegation(
        db,
        request_for(applications, **request),
        actor_is_approved_representative=approved,
        now=now,
        events=events,
    )


def active(db, applications, *, now=NOW, approved=False, **request):
    """`appoint`, then accepted by the actor: a delegation in force."""
    delegation = appoint(db, applications, now=now, approved=approved, **request)
    accept_delegation(db, delegation.id, delegation.actor_subject, now, events=NO_EVENTS)
    return delegation
