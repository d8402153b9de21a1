"""Delegated access: one rule for decisions, issuance and introspection; a typed result."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consent import (
    AccessRefused,
    Action,
    DelegatedAccess,
    DelegationKind,
    GrantedApplication,
    access_allows,
    decide,
    delegation_allows,
    grants_of,
    resolve_access,
    revoke_delegation,
)
from tests.consent.conftest import NO_EVENTS, active

REP, APPLICANT = "rep-sub", "applicant-sub"
READ, UPLOAD = "application.read", "documents.upload"


def _resolve(db, now, *requested, portal="portal-a", actor=REP):
    return resolve_access(
        db, actor=actor, portal_client_id=portal, requested=list(requested), now=now
    )


def _refusal(db, now, *requested, **kwargs):
    with pytest.raises(AccessRefused) as refused:
        _resolve(db, now, *requested, **kwargs)
    assert refused.value.code == "access_refused"
    return refused.value


def test_one_delegation_granting_everything_asked_is_resolved_as_typed_access(
    db_session, make_application, now
):
    first, second = make_application(), make_application(program="Work permit")
    delegation = active(db_session, [first, second], now=now)
    access = _resolve(
        db_session, now, (first.portal_reference, [READ, UPLOAD]), (second.portal_reference, [READ])
    )
    assert access == DelegatedAccess(
        delegation_id=delegation.id,
        principal=APPLICANT,
        actor=REP,
        kind=DelegationKind.REPRESENTATIVE_UNPAID,
        applications=(
            GrantedApplication(
                first.id, first.portal_reference, "Study permit", "portal-a", (READ, UPLOAD)
            ),
            GrantedApplication(
                second.id, second.portal_reference, "Work permit", "portal-a", (READ,)
            ),
        ),
    )
    assert access.grants == ((first.id, (READ, UPLOAD)), (second.id, (READ,)))
    assert access.actions == (READ, UPLOAD)


def test_the_token_claims_keep_todays_wire_shape_and_read_back(db_session, make_application, now):
    application = make_application()
    active(db_session, [application], now=now)
    access = _resolve(db_session, now, (application.portal_reference, [UPLOAD, READ, UPLOAD]))
    claims = access.to_claims()
    assert claims == [
        {
            "type": "passerelle_application",
            "application": application.portal_reference,
            "application_id": application.id,
            "program": "Study permit",
            "actions": [UPLOAD, READ],
        }
    ]
    back = DelegatedAccess.from_claims(
        claims,
        delegation_id=access.delegation_id,
        principal=access.principal,
        actor=access.actor,
        kind=access.kind,
        portal_client_id="portal-a",
    )
    assert back == access
    assert grants_of(claims) == [(application.id, [UPLOAD, READ])]


def test_the_first_action_not_granted_is_named(db_session, make_application, now):
    application = make_application()
    active(db_session, [application], now=now)
    number = application.portal_reference
    refused = _refusal(db_session, now, (number, [READ, "payment.make"]))
    assert (refused.reason, refused.application, refused.action) == (
        "action_not_granted",
        number,
        "payment.make",
    )
    assert refused.message == f"payment.make on {number} is not delegated (action_not_granted)"
    assert refused.field == "authorization_details"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("unknown_number", "no_application"),
        ("other_portal", "no_application"),
        ("own_application", "own_application"),
        ("no_delegation", "no_delegation"),
        ("expired", "expired"),
        ("two_applicants", "several_applicants"),
        ("two_delegations", "not_one_delegation"),
    ],
)
def test_refusals_carry_a_stable_reason(db_session, make_application, now, case, reason):
    mine, theirs = make_application(), make_application(applicant="other-sub")
    at = now
    requested = [(mine.portal_reference, [READ])]
    if case == "unknown_number":
        requested = [("E-NOPE", [READ])]
    elif case == "other_portal":
        requested = [(make_application(portal="portal-b").portal_reference, [READ])]
    elif case == "own_application":
        requested = [(make_application(applicant=REP).portal_reference, [READ])]
    elif case == "expired":
        active(db_session, [mine], now=now, days=1)
        at = now + timedelta(days=2)
    elif case == "two_applicants":
        active(db_session, [mine], now=now)
        active(db_session, [theirs], now=now, principal="other-sub")
        requested.append((theirs.portal_reference, [READ]))
    elif case == "two_delegations":
        other = make_application()
        active(db_session, [mine], now=now)
        active(db_session, [other], now=now)
        requested.append((other.portal_reference, [READ]))
    assert _refusal(db_session, at, *requested).reason == reason


def test_a_delegation_to_all_applications_at_a_portal_covers_only_that_portal(
    db_session, make_application, now
):
    here, elsewhere = make_application(portal="portal-a"), make_application(portal="portal-b")
    delegation = active(db_session, [], now=now, portal="portal-a")
    assert _resolve(db_session, now, (here.portal_reference, [READ])).delegation_id == delegation.id
    refused = _refusal(db_session, now, (elsewhere.portal_reference, [READ]), portal="portal-b")
    assert refused.reason == "no_delegation"


@pytest.mark.parametrize(
    "scope", ["named", "all_at_its_portal", "all_at_another_portal", "another_applicant"]
)
def test_decisions_issuance_and_introspection_apply_one_rule(
    db_session, make_application, now, scope
):
    application = make_application(portal="portal-a")
    make_application(applicant="other-sub", portal="portal-a")
    if scope == "named":
        delegation = active(db_session, [application], now=now)
    elif scope == "another_applicant":
        others = [make_application(applicant="other-sub")]
        delegation = active(db_session, others, now=now, principal="other-sub")
    else:
        portal = "portal-a" if scope == "all_at_its_portal" else "portal-b"
        make_application(portal="portal-b")
        delegation = active(db_session, [], now=now, portal=portal)
    covered = scope in ("named", "all_at_its_portal")
    decision = decide(
        db_session,
        actor=REP,
        action=Action.APPLICATION_READ,
        application_id=application.id,
        now=now,
    )
    assert decision.allowed is covered
    assert access_allows(db_session, delegation.id, now, [(application.id, [READ])]) is covered
    try:
        issued = _resolve(db_session, now, (application.portal_reference, [READ]))
    except AccessRefused:
        issued = None
    assert (issued is not None and issued.delegation_id == delegation.id) is covered


def test_introspection_follows_revocation_and_keeps_its_old_name(db_session, make_application, now):
    application = make_application()
    delegation = active(db_session, [application], now=now)
    grants = [(application.id, [READ])]
    assert delegation_allows is access_allows
    assert access_allows(db_session, delegation.id, now, grants, lock=True)
    assert not access_allows(db_session, delegation.id, now, [(application.id, ["payment.make"])])
    assert not access_allows(db_session, delegation.id, now + timedelta(days=31), grants)
    revoke_delegation(db_session, delegation.id, APPLICANT, now, events=NO_EVENTS)
    assert not access_allows(db_session, delegation.id, now, grants)
    assert not access_allows(db_session, "no-such-delegation", now, grants, lock=True)
    assert not access_allows(db_session, "x" * 33, now, grants)


def test_nothing_asked_is_refused(db_session, now):
    assert _refusal(db_session, now).reason == "nothing_requested"
