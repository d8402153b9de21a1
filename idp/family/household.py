"""The household view: what the people who delegated to you share, and whom you invited.

`household_of` lists, for each person with an active delegation to you (as a designated
individual or a representative), the applications it covers: their status when the
delegation grants `application.read`, their unread messages when it grants
`correspondence.read`, nothing more. `invited_by` lists the family members an applicant
invited, with where each appointment stands. Templates get these small frozen values,
never rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import (
    KIND_LABELS,
    Action,
    Application,
    Delegation,
    DelegationKind,
    DelegationStatus,
    application_ids_of,
    applications_of_applicant,
    delegations_of_actor,
    effective_status,
    get_application,
    get_delegation,
)
from idp.accounts.models import Account, Invitation
from idp.clients.names import PortalNames
from idp.family.invitations import FamilyInvitationStatus
from idp.family.models import FamilyInvitation


@dataclass(frozen=True, slots=True)
class SharedApplication:
    program: str
    number: str
    portal: str  # the profile's name in the page's language
    status: str | None  # the profile's label; None: the delegation does not share it
    unread: int | None
    link: str


@dataclass(frozen=True, slots=True)
class HouseholdMember:
    name: str
    kind: str  # a msgid (`consent.KIND_LABELS`)
    until: datetime  # the last instant of access; `display_date` shows its day
    applications: list[SharedApplication]


@dataclass(frozen=True, slots=True)
class InvitedMember:
    id: str
    name: str
    email: str
    status: str  # invited, invitation_expired, cancelled, lapsed, or the delegation's


def _names(db: Session, subjects: set[str]) -> dict[str, str]:
    rows = db.execute(select(Account.subject, Account.name).where(Account.subject.in_(subjects)))
    return {row.subject: row.name for row in rows}


def _covered(db: Session, delegation: Delegation) -> list[Application]:
    if delegation.all_applications:
        return [
            a
            for a in applications_of_applicant(db, delegation.principal_subject)
            if a.portal_client_id == delegation.portal_client_id
        ]
    return [get_application(db, a) for a in application_ids_of(db, delegation.id)]


def _shared(application: Application, actions: set[str], portals: PortalNames) -> SharedApplication:
    portal_id = application.portal_client_id
    return SharedApplication(
        program=portals.program(portal_id, application.program),
        number=application.portal_reference,
        portal=portals.name(portal_id),
        status=portals.status(portal_id, application.status)
        if Action.APPLICATION_READ in actions
        else None,
        unread=application.unread_count if Action.CORRESPONDENCE_READ in actions else None,
        link=application.deep_link,
    )


def household_of(
    db: Session, portals: PortalNames, actor_subject: str, now: datetime
) -> list[HouseholdMember]:
    """Each active delegation to `actor_subject`, with the applications it shares, portals
    and statuses named as `/account/applications` names them."""
    active = [
        d
        for d in delegations_of_actor(db, actor_subject)
        if effective_status(d, now) == DelegationStatus.ACTIVE
    ]
    names = _names(db, {d.principal_subject for d in active})
    return [
        HouseholdMember(
            name=names.get(d.principal_subject, "?"),
            kind=KIND_LABELS[DelegationKind(d.kind)],
            until=d.valid_until,
            applications=[_shared(a, set(d.actions), portals) for a in _covered(db, d)],
        )
        for d in active
    ]


def _status(db: Session, waiting: FamilyInvitation, invitation: Invitation, now: datetime) -> str:
    if waiting.status == FamilyInvitationStatus.APPOINTED and waiting.delegation_id:
        return effective_status(get_delegation(db, waiting.delegation_id), now).value
    if waiting.status == FamilyInvitationStatus.INVITED and invitation.expires_at <= now:
        return "invitation_expired"
    return waiting.status


def invited_by(db: Session, principal_subject: str, now: datetime) -> list[InvitedMember]:
    rows = db.execute(
        select(FamilyInvitation, Invitation)
        .join(Invitation, Invitation.id == FamilyInvitation.invitation_id)
        .where(FamilyInvitation.principal_subject == principal_subject)
        .order_by(FamilyInvitation.created_at.desc())
    ).all()
    return [
        InvitedMember(
            id=waiting.id,
            name=invitation.name,
            email=invitation.email,
            status=_status(db, waiting, invitation, now),
        )
        for waiting, invitation in rows
    ]
