"""Inviting a family member and appointing them designated individual in one step.

The applicant (with a second factor proven recently, like any appointment) names the
person, their language, the applications and the read actions. Everything is checked
before anything is written: the person's details as an invitation checks them, the terms
as `consent.validate_request` checks any delegation. Then an account invitation is mailed
and the terms wait in a `FamilyInvitation` (shown to the applicant as "invited").

When the invitee accepts the invitation (`appoint_invited`, called by the acceptance
page), the delegation is granted on the applicant's behalf, exactly as if they had
appointed the new account: it waits for the invitee to accept it. Linking happens only
through the single-use invitation link the invitee received, never by email alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import OutgoingMail
from consent import (
    Action,
    ConsentError,
    Delegation,
    DelegationEvents,
    DelegationKind,
    DelegationRequest,
    validate_request,
)
from idp.accounts.invitations import INVITATION_TTL_DAYS, create_invitation
from idp.accounts.models import Account, Invitation
from idp.accounts.service import (
    MAX_NAME_LENGTH,
    SUPPORTED_LOCALES,
    find_account_by_email,
    validate_email,
)
from idp.delegation import service
from idp.errors import InvalidInput
from idp.family.mails import family_invitation_mail
from idp.family.models import FamilyInvitation

NOT_YET_KNOWN = ""  # the actor of the terms until the invitee has an account


class FamilyInvitationStatus(StrEnum):
    INVITED = "invited"
    APPOINTED = "appointed"
    CANCELLED = "cancelled"
    LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class FamilyInvite:
    """What the invitation form asked for."""

    name: str
    email: str
    locale: str
    actions: Sequence[Action]
    valid_until: datetime | None
    application_ids: Sequence[str] = ()
    portal_client_id: str | None = None


def _terms(principal: Account, invite: FamilyInvite, valid_until: datetime) -> DelegationRequest:
    return DelegationRequest(
        principal=principal.subject,
        actor=NOT_YET_KNOWN,
        kind=DelegationKind.DESIGNATED_INDIVIDUAL,
        actions=invite.actions,
        valid_until=valid_until,
        application_ids=invite.application_ids,
        portal_client_id=invite.portal_client_id,
    )


def _person_errors(db: Session, principal: Account, invite: FamilyInvite) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not invite.name.strip() or len(invite.name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = "invalid_name"
    if invite.locale not in SUPPORTED_LOCALES:
        errors["locale"] = "invalid_choice"
    try:
        email = validate_email(invite.email)
    except InvalidInput as error:
        return errors | {"email": error.code}
    if email == principal.email:
        errors["email"] = "self_appointment"
    elif find_account_by_email(db, email) is not None:
        errors["email"] = "has_account"  # appoint them from "My representatives" instead
    return errors


def check_family_invite(
    db: Session, principal: Account, invite: FamilyInvite, now: datetime, zone: tzinfo
) -> dict[str, str]:
    """Every field at fault at once (error codes by field); empty when it may be sent.
    `zone`: the service's, whose calendar counts the end date's years."""
    errors = _person_errors(db, principal, invite)
    if invite.valid_until is None:
        return errors | {"valid_until": "invalid_date"}
    try:
        validate_request(
            db,
            _terms(principal, invite, invite.valid_until),
            actor_is_approved_representative=False,
            now=now,
            zone=zone,
        )
    except ConsentError as error:
        errors.setdefault(error.field or "applications", error.code)
    return errors


def _waiting_terms(
    db: Session, principal: Account, invitation: Invitation, now: datetime
) -> FamilyInvitation:
    """The terms waiting for `invitation`: those of an invitation issued again (a retry, or
    the same person invited again, even after a withdrawal), else new ones (added)."""
    waiting = db.scalar(
        select(FamilyInvitation)
        .where(FamilyInvitation.invitation_id == invitation.id)
        .with_for_update()
    )
    if waiting is None:
        waiting = FamilyInvitation(
            id=uuid.uuid4().hex,
            invitation_id=invitation.id,
            principal_subject=principal.subject,
            created_at=now,
        )
        db.add(waiting)
    return waiting


def invite_family_member(
    db: Session, principal: Account, invite: FamilyInvite, *, issuer: str, now: datetime
) -> OutgoingMail:
    """The invitation and the waiting appointment; returns the mail to send. Inviting the
    same person again (the retry a refused mail asks for) issues the open invitation again
    with the terms asked last: one invitation, one appointment, one working link. Call
    `check_family_invite` first: this raises on what it would have reported."""
    if invite.valid_until is None:
        raise InvalidInput("valid_until", "valid_until is required")
    issued = create_invitation(
        db,
        email=invite.email,
        name=invite.name,
        invited_by=principal.id,
        now=now,
        locale=invite.locale,
    )
    waiting = _waiting_terms(db, principal, issued.invitation, now)
    waiting.actions = [a.value for a in invite.actions]
    waiting.application_ids = list(invite.application_ids)
    waiting.portal_client_id = None if invite.application_ids else invite.portal_client_id
    waiting.valid_until = invite.valid_until
    waiting.status, waiting.resolved_at = FamilyInvitationStatus.INVITED.value, None
    db.flush()
    return family_invitation_mail(
        issued.invitation.email,
        invite.locale,
        name=issued.invitation.name,
        inviter=principal.name,
        link=issued.link(issuer),
        days=INVITATION_TTL_DAYS,
    )


def _waiting_for(db: Session, account: Account) -> list[FamilyInvitation]:
    return list(
        db.scalars(
            select(FamilyInvitation)
            .join(Invitation, Invitation.id == FamilyInvitation.invitation_id)
            .where(
                Invitation.account_id == account.id,
                FamilyInvitation.status == FamilyInvitationStatus.INVITED.value,
            )
            .with_for_update()
        )
    )


def appoint_invited(
    db: Session, events: DelegationEvents, account: Account, now: datetime, zone: tzinfo
) -> list[Delegation]:
    """The invitee now has `account`: grant what was waiting for it (to be accepted), its
    end's years counted from today in `zone`'s calendar."""
    granted = []
    for waiting in _waiting_for(db, account):
        request = DelegationRequest(
            principal=waiting.principal_subject,
            actor=account.subject,
            kind=DelegationKind.DESIGNATED_INDIVIDUAL,
            actions=[Action(a) for a in waiting.actions],
            valid_until=waiting.valid_until,
            application_ids=waiting.application_ids,
            portal_client_id=waiting.portal_client_id,
        )
        waiting.resolved_at = now
        try:
            delegation = service.grant(db, events, request, now, zone=zone)
        except ConsentError:  # e.g. the end date passed while the invitation waited
            waiting.status = FamilyInvitationStatus.LAPSED.value
            continue
        waiting.status = FamilyInvitationStatus.APPOINTED.value
        waiting.delegation_id = delegation.id
        granted.append(delegation)
    db.flush()
    return granted


def cancel_family_invitation(
    db: Session, principal_subject: str, family_invitation_id: str, now: datetime
) -> bool:
    """Withdraw an appointment still waiting for its invitee's account; False otherwise."""
    waiting = db.get(FamilyInvitation, family_invitation_id[:32], with_for_update=True)
    if (
        waiting is None
        or waiting.principal_subject != principal_subject
        or waiting.status != FamilyInvitationStatus.INVITED
    ):
        return False
    waiting.status, waiting.resolved_at = FamilyInvitationStatus.CANCELLED.value, now
    db.flush()
    return True
