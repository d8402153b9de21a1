"""`idp demo`: a sample portal, an applicant with two applications there, and a
representative acting on one of them, so a newcomer sees sign-in and delegation in a
minute. Running it again adds nothing."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from consent import (
    Action,
    DelegationKind,
    DelegationRequest,
    NoEvents,
    accept_delegation,
    grant_delegation,
    register_application,
)
from idp.accounts.models import Account
from idp.accounts.passwords import Passwords
from idp.accounts.service import create_account, find_account_by_email
from idp.bootstrap import create_passwords, prepare_database
from idp.clients.service import create_client, list_clients
from idp.clock import SystemClock
from idp.db import create_session_factory, unit_of_work
from idp.representatives.service import ApprovedProfile, RepresentativeType, record_approval
from idp.settings import Settings

DEMO_EMAIL = "applicant@example.ca"
DEMO_PASSWORD = "correct horse battery staple"  # noqa: S105  # published demo credential
DEMO_PORTAL = "Demo IRCC Portal"
DEMO_REPRESENTATIVE = "representative@example.ca"
DEMO_APPLICATIONS = (
    ("E000123", "Study permit", "In review", 2),
    ("W000456", "Work permit", "Received", 0),
)


def _approve_demo_representative(db: Session, account: Account, now: datetime) -> None:
    """The demo representative is an approved CICC licensee (sample register member)."""
    profile = ApprovedProfile(
        representative_type=RepresentativeType.CICC,
        legal_name="Rep Lee",
        membership_body="cicc",
        membership_number="R702364",
        firm="Lee Immigration",
        contact_email=DEMO_REPRESENTATIVE,
        phone="+1 613 555 0100",
        address={
            "street_address": "1 Demo Street",
            "locality": "Ottawa",
            "region": "Ontario",
            "postal_code": "K1A 0A1",
            "country": "Canada",
        },
        enrolment_reference="EN-DEMO-0001",
        evidence=[{"type": "passport", "issuer": "Canada", "expiry": "2031-01-01"}],
    )
    record_approval(db, account, profile, by="demo", now=now)


def _seed_delegation(
    db: Session, passwords: Passwords, applicant_subject: str, client_id: str, now: datetime
) -> None:
    """Two applications at the demo portal; a representative may read and upload on one."""
    applications = [
        register_application(
            db,
            portal_client_id=client_id,
            portal_reference=number,
            program=program,
            applicant_subject=applicant_subject,
            status=status,
            unread_count=unread,
            deep_link=f"https://portal.example/{number}",
            now=now,
        )[0]
        for number, program, status, unread in DEMO_APPLICATIONS
    ]
    representative = create_account(
        db,
        passwords,
        email=DEMO_REPRESENTATIVE,
        password=DEMO_PASSWORD,
        name="Rep Lee",
        now=now,
        email_verified=True,
    )
    _approve_demo_representative(db, representative, now)
    delegation = grant_delegation(
        db,
        DelegationRequest(
            principal=applicant_subject,
            actor=representative.subject,
            kind=DelegationKind.REPRESENTATIVE_PAID,
            actions=[Action.APPLICATION_READ, Action.DOCUMENTS_UPLOAD],
            valid_until=now + timedelta(days=180),
            application_ids=[applications[0].id],
        ),
        actor_is_approved_representative=True,
        now=now,
        events=NoEvents(),  # the demo portal registers no events_uri
    )
    accept_delegation(db, delegation.id, representative.subject, now, events=NoEvents())


def seed_demo(settings: Settings, port: int) -> list[str]:
    engine = prepare_database(settings)
    factory = create_session_factory(engine)
    now = SystemClock().now()
    passwords = create_passwords(settings)
    redirect = f"http://127.0.0.1:{port}/account"
    lines = []
    with unit_of_work(factory) as db:
        applicant = find_account_by_email(db, DEMO_EMAIL) or create_account(
            db,
            passwords,
            email=DEMO_EMAIL,
            password=DEMO_PASSWORD,
            name="Amara Okafor",
            now=now,
            email_verified=True,
        )
        existing = [c for c in list_clients(db) if c.name == DEMO_PORTAL]
        if existing:
            client_id = existing[0].client_id
        else:
            client, _ = create_client(
                db, name=DEMO_PORTAL, redirect_uris=[redirect], auth_method="none", now=now
            )
            client_id = client.client_id
        if find_account_by_email(db, DEMO_REPRESENTATIVE) is None:
            _seed_delegation(db, passwords, applicant.subject, client_id, now)
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    engine.dispose()
    lines += [
        "Passerelle demo",
        f"  applicant:      {DEMO_EMAIL} / {DEMO_PASSWORD}",
        f"  representative: {DEMO_REPRESENTATIVE} / {DEMO_PASSWORD}",
        f"  portal:         {DEMO_PORTAL} (public client {client_id})",
        "  Try single sign-on: open",
        f"  http://127.0.0.1:{port}/authorize?response_type=code&client_id={client_id}"
        f"&redirect_uri={redirect}&scope=openid%20profile%20email&state=demo"
        f"&code_challenge={challenge}&code_challenge_method=S256",
        f"  Delegation: sign in as the applicant, then open http://127.0.0.1:{port}"
        "/account/applications, /account/representatives and /account/activity;",
        f"  as the representative, http://127.0.0.1:{port}/account/delegations",
        f"  Discovery: http://127.0.0.1:{port}/.well-known/openid-configuration",
    ]
    return lines
