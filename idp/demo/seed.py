"""Seeding the demo: its portals, its people, their applications and who acts for whom.

- Amara Okafor, an applicant with applications at the IRCC Portal and the Permanent
  Residence Portal; a paid representative, Rep Lee, acts for her on her study permit.
- Kofi Mensah, her spouse, with his own identity and applications; he made Amara his
  designated individual (read only), so her household view shows his applications.
- The representative and an officer, whose second factor is an authenticator app with a
  published seed (paid representatives act, and officers work, only after one).

Every step looks for what a previous run made before making it: running again adds
nothing. Everyone shares one published password; none of this is for production data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from consent import (
    Action,
    DelegationKind,
    DelegationRequest,
    DelegationStatus,
    delegations_of_principal,
    register_application,
)
from idp.accounts.models import Account, Role
from idp.accounts.passwords import Passwords
from idp.accounts.service import create_account, find_account_by_email
from idp.authn.totp import confirm_totp, current_code, has_totp
from idp.delegation import service
from idp.delegation.events import SecurityEventOutbox
from idp.demo.portals import DemoPortal, demo_profiles, register_demo_portal
from idp.representatives.service import (
    ApprovedProfile,
    RepresentativeType,
    find_representative_of_account,
    record_approval,
)
from keys import MasterKey

DEMO_PASSWORD = "correct horse battery staple"  # noqa: S105  # a published demo credential
DEMO_TOTP_SEED = "PASSERELLEDEMOSECONDFACTORSEED23"  # published: the demo's accounts only
DELEGATION_DAYS = 180
READ_ACTIONS = (Action.APPLICATION_READ, Action.CORRESPONDENCE_READ)


@dataclass(frozen=True, slots=True)
class DemoPerson:
    email: str
    name: str
    role: str  # what the guide calls them
    locale: str = "en"
    roles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DemoApplication:
    owner: str  # email
    portal: str  # profile slug
    number: str
    program: str
    status: str  # a code of the portal's status vocabulary
    unread: int = 0


@dataclass(frozen=True, slots=True)
class DemoDelegation:
    principal: str  # email
    actor: str  # email
    kind: DelegationKind
    numbers: tuple[str, ...]
    actions: tuple[Action, ...]


APPLICANT = DemoPerson("applicant@example.ca", "Amara Okafor", "applicant")
SPOUSE = DemoPerson("kofi@example.ca", "Kofi Mensah", "family member", locale="fr")
# An approved CICC licensee (a sample register member): `record_approval` gives the role.
REPRESENTATIVE = DemoPerson("representative@example.ca", "Rep Lee", "representative")
REPRESENTATIVE_PROFILE = ApprovedProfile(
    representative_type=RepresentativeType.CICC,
    legal_name="Rep Lee",
    membership_body="cicc",
    membership_number="R702364",
    firm="Lee Immigration",
    contact_email=REPRESENTATIVE.email,
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
OFFICER = DemoPerson("officer@example.ca", "Officer Tremblay", "officer", roles=(Role.OFFICER,))
PEOPLE = (APPLICANT, SPOUSE, REPRESENTATIVE, OFFICER)
WITH_TOTP = (REPRESENTATIVE, OFFICER)

APPLICATIONS = (
    DemoApplication(APPLICANT.email, "ircc-portal", "E000123", "study_permit", "in_review", 2),
    DemoApplication(APPLICANT.email, "ircc-portal", "W000456", "work_permit", "received"),
    DemoApplication(
        APPLICANT.email, "pr-portal", "R000777", "permanent_residence", "photo_returned", 1
    ),
    DemoApplication(SPOUSE.email, "ircc-portal", "V000321", "visitor_visa", "biometrics_requested"),
    DemoApplication(
        SPOUSE.email, "pr-portal", "R000789", "permanent_residence", "presence_in_canada_confirmed"
    ),
)
DELEGATIONS = (
    DemoDelegation(
        APPLICANT.email,
        REPRESENTATIVE.email,
        DelegationKind.REPRESENTATIVE_PAID,
        ("E000123",),
        (*READ_ACTIONS, Action.CORRESPONDENCE_REPLY, Action.DOCUMENTS_UPLOAD),
    ),
    DemoDelegation(
        SPOUSE.email,
        APPLICANT.email,
        DelegationKind.DESIGNATED_INDIVIDUAL,
        ("V000321", "R000789"),
        READ_ACTIONS,
    ),
)


@dataclass
class Seeding:
    """What seeding needs from the service, and what it found or made."""

    db: Session
    passwords: Passwords
    master: MasterKey
    events: SecurityEventOutbox
    now: datetime
    accounts: dict[str, Account] = field(default_factory=dict)
    applications: dict[str, str] = field(default_factory=dict)  # number -> application id


def ensure_person(seeding: Seeding, person: DemoPerson) -> Account:
    account = find_account_by_email(seeding.db, person.email) or create_account(
        seeding.db,
        seeding.passwords,
        email=person.email,
        password=DEMO_PASSWORD,
        name=person.name,
        now=seeding.now,
        email_verified=True,
        locale=person.locale,
    )
    account.roles = sorted(set(account.roles or []) | set(person.roles))
    seeding.accounts[person.email] = account
    return account


def ensure_totp(seeding: Seeding, account: Account) -> None:
    """An authenticator app holding the published seed, confirmed as a person would."""
    if has_totp(seeding.db, account.id):
        return
    code = current_code(DEMO_TOTP_SEED, seeding.now.timestamp())
    confirm_totp(seeding.db, seeding.master, account.id, DEMO_TOTP_SEED, code, seeding.now)


def ensure_application(seeding: Seeding, application: DemoApplication, portal: DemoPortal) -> None:
    registered, _ = register_application(
        seeding.db,
        portal_client_id=portal.client_id,
        portal_reference=application.number,
        program=application.program,
        applicant_subject=seeding.accounts[application.owner].subject,
        status=application.status,
        unread_count=application.unread,
        deep_link=f"{portal.base_url}/applications#{application.number}",
        now=seeding.now,
    )
    seeding.applications[application.number] = registered.id


def ensure_delegation(seeding: Seeding, delegation: DemoDelegation) -> None:
    """Granted and accepted once; a later run finds it (or its revocation) and adds none."""
    principal = seeding.accounts[delegation.principal].subject
    actor = seeding.accounts[delegation.actor].subject
    if any(d.actor_subject == actor for d in delegations_of_principal(seeding.db, principal)):
        return
    request = DelegationRequest(
        principal=principal,
        actor=actor,
        kind=delegation.kind,
        actions=delegation.actions,
        valid_until=seeding.now + timedelta(days=DELEGATION_DAYS),
        application_ids=[seeding.applications[n] for n in delegation.numbers],
    )
    # Half a year ahead: far inside the limit whatever the zone's calendar.
    granted = service.grant(seeding.db, seeding.events, request, seeding.now, zone=UTC)
    if granted.status == DelegationStatus.PENDING_ACCEPTANCE:
        service.accept(seeding.db, seeding.events, granted.id, actor, seeding.now)


def seed_people(seeding: Seeding, portals: dict[str, DemoPortal]) -> None:
    """Everyone, their applications at `portals` (by profile slug), and the delegations."""
    for person in PEOPLE:
        ensure_person(seeding, person)
    representative = seeding.accounts[REPRESENTATIVE.email]
    if find_representative_of_account(seeding.db, representative.id) is None:
        record_approval(
            seeding.db, representative, REPRESENTATIVE_PROFILE, by="demo", now=seeding.now
        )
    for person in WITH_TOTP:
        ensure_totp(seeding, seeding.accounts[person.email])
    for application in APPLICATIONS:
        ensure_application(seeding, application, portals[application.portal])
    for delegation in DELEGATIONS:
        ensure_delegation(seeding, delegation)


def seed_demo(
    db: Session,
    *,
    passwords: Passwords,
    master: MasterKey,
    events: SecurityEventOutbox,
    ports: tuple[int, ...],
    now: datetime,
) -> list[DemoPortal]:
    """The demo portals on `ports` (in `DEMO_PORTAL_SLUGS` order) and everyone's data."""
    portals = [
        register_demo_portal(db, profile, port, now)
        for profile, port in zip(demo_profiles(), ports, strict=True)
    ]
    seeding = Seeding(db, passwords, master, events, now)
    seed_people(seeding, {portal.profile.slug: portal for portal in portals})
    return portals
