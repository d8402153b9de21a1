"""Client-to-representative conversion (DESIGN.md section 7, seed 004).

Before converting, a client account marks each application it filed for someone else
with that person's name and email (`mark_filed_for`, from "My applications"): Passerelle
cannot guess which of an account's applications are really its own. On approval of a
conversion enrolment, in the approval's transaction, `convert_client_files` turns every
marked application into a client file:

- the real applicant gets an identity that owns the application: a new *unclaimed*
  account (no password, cannot sign in) with their email, claimable through an emailed
  invitation that keeps its `sub`; or, when that email already has an account, a
  placeholder identity whose files move to that account once its owner, signed in,
  confirms they are theirs (`confirm_client_file`): an email typed by someone else never
  links accounts by itself (DESIGN.md section 8);
- the representative gets an active delegation on it (created `via conversion`), of the
  kind their enrolment was approved for, with every action, for a year;
- the portals hear of the delegation (`consent.DelegationEvents`: a Security Event Token
  through the outbox).

The account keeps its `sub`, its own applications, sessions, consents and grants: the
conversion only adds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import OutgoingMail
from consent import (
    Action,
    DelegationEvents,
    DelegationKind,
    get_application,
    hand_over_application,
    transfer_applicant,
)
from idp.accounts.invitations import INVITATION_TTL_DAYS, invite_to_claim
from idp.accounts.models import Account, AccountStatus
from idp.accounts.service import (
    create_unclaimed_account,
    find_account_by_email,
    validate_email,
)
from idp.delegation.service import default_end
from idp.enrolment.models import ClientFile, Enrolment, FiledFor
from idp.errors import InvalidInput, NotFound
from idp.notifications.enrolment_mails import client_file_mail
from idp.representatives.models import Representative
from idp.representatives.service import RepresentativeType

MAX_NAME_LENGTH = 200
PLACEHOLDER_DOMAIN = "unclaimed.passerelle.invalid"  # RFC 2606: never deliverable


class ClientFileStatus:
    INVITED = "invited"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CLAIMED = "claimed"


def filed_for_marks(db: Session, account_id: str) -> dict[str, FiledFor]:
    rows = db.scalars(select(FiledFor).where(FiledFor.account_id == account_id))
    return {row.application_id: row for row in rows}


def check_filed_for(account: Account, name: str, email: str) -> dict[str, str]:
    """Error codes by field of the person an application was filed for."""
    errors = {}
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        errors["applicant_name"] = "required" if not name else "too_long"
    try:
        if validate_email(email) == account.email:
            errors["applicant_email"] = "own_email"
    except InvalidInput:
        errors["applicant_email"] = "invalid_email"
    return errors


def mark_filed_for(
    db: Session, account: Account, application_id: str, *, name: str, email: str, now: datetime
) -> FiledFor:
    """Say an application of this account was filed for another person (checked first
    with `check_filed_for`)."""
    application = get_application(db, application_id[:32])
    if application.applicant_subject != account.subject:
        raise NotFound("no such application of yours", code="application_not_found")
    if check_filed_for(account, name, email):
        raise InvalidInput("applicant_email", "check the name and email first")
    mark = db.get(FiledFor, application.id) or FiledFor(application_id=application.id)
    mark.account_id, mark.applicant_name = account.id, name.strip()
    mark.applicant_email, mark.marked_at = validate_email(email), now
    db.add(mark)
    db.flush()
    return mark


def unmark_filed_for(db: Session, account: Account, application_id: str) -> None:
    mark = db.get(FiledFor, application_id[:32])
    if mark is not None and mark.account_id == account.id:
        db.delete(mark)
        db.flush()


@dataclass(frozen=True, slots=True)
class Owner:
    account: Account
    needs_confirmation: bool  # a placeholder: the email belongs to an existing account


def _owner_for(db: Session, mark: FiledFor, locale: str, now: datetime) -> Owner:
    existing = find_account_by_email(db, mark.applicant_email)
    if existing is not None and existing.status == AccountStatus.UNCLAIMED:
        return Owner(existing, False)
    if existing is None:
        account = create_unclaimed_account(
            db, email=mark.applicant_email, name=mark.applicant_name, locale=locale, now=now
        )
        return Owner(account, False)
    placeholder = create_unclaimed_account(
        db,
        email=f"{uuid.uuid4().hex}@{PLACEHOLDER_DOMAIN}",
        name=mark.applicant_name,
        locale=existing.locale,
        now=now,
    )
    return Owner(placeholder, True)


@dataclass(frozen=True, slots=True)
class Conversion:
    client_files: list[ClientFile]
    mails: list[OutgoingMail]


def _delegation_kind(representative: Representative) -> DelegationKind:
    paid = RepresentativeType(representative.representative_type).is_paid
    return DelegationKind.REPRESENTATIVE_PAID if paid else DelegationKind.REPRESENTATIVE_UNPAID


def _convert_one(
    db: Session,
    mark: FiledFor,
    context: ConversionContext,
) -> tuple[ClientFile, OutgoingMail]:
    account, now = context.account, context.now
    owner = _owner_for(db, mark, account.locale, now)
    application = get_application(db, mark.application_id)
    delegation = hand_over_application(
        db,
        application.id,
        filer=account.subject,
        applicant=owner.account.subject,
        kind=_delegation_kind(context.representative),
        actions=list(Action),
        valid_until=default_end(now),
        actor_is_approved_representative=True,
        now=now,
        events=context.events,
    )
    client_file = ClientFile(
        id=uuid.uuid4().hex,
        enrolment_id=context.enrolment.id,
        representative_account_id=account.id,
        application_id=application.id,
        applicant_subject=owner.account.subject,
        applicant_email=mark.applicant_email,
        delegation_id=delegation.id,
        status=ClientFileStatus.AWAITING_CONFIRMATION
        if owner.needs_confirmation
        else ClientFileStatus.INVITED,
        created_at=now,
    )
    db.add(client_file)
    db.flush()
    return client_file, _client_file_mail(db, mark, owner, application.portal_reference, context)


def _client_file_mail(
    db: Session, mark: FiledFor, owner: Owner, number: str, context: ConversionContext
) -> OutgoingMail:
    representative = context.representative.legal_name
    if owner.needs_confirmation:
        existing = find_account_by_email(db, mark.applicant_email)
        locale = existing.locale if existing is not None else owner.account.locale
        return client_file_mail(
            mark.applicant_email, locale, representative=representative, application=number
        )
    issued = invite_to_claim(db, owner.account, invited_by=context.by, now=context.now)
    return client_file_mail(
        mark.applicant_email,
        owner.account.locale,
        representative=representative,
        application=number,
        link=issued.link(context.issuer),
        days=INVITATION_TTL_DAYS,
    )


@dataclass(frozen=True, slots=True)
class ConversionContext:
    enrolment: Enrolment
    account: Account
    representative: Representative
    events: DelegationEvents
    issuer: str
    by: str
    now: datetime


def convert_client_files(db: Session, context: ConversionContext) -> Conversion:
    """Every application the account marked as filed for someone else becomes a client file."""
    files, mails = [], []
    for mark in sorted(filed_for_marks(db, context.account.id).values(), key=lambda m: m.marked_at):
        application = get_application(db, mark.application_id)
        if application.applicant_subject != context.account.subject:
            continue  # no longer the account's (already handed over)
        client_file, mail = _convert_one(db, mark, context)
        files.append(client_file)
        mails.append(mail)
    return Conversion(files, mails)


def client_files_to_confirm(db: Session, account: Account) -> list[ClientFile]:
    """Client files waiting for this account's owner to say they are theirs."""
    return list(
        db.scalars(
            select(ClientFile).where(
                ClientFile.applicant_email == account.email,
                ClientFile.status == ClientFileStatus.AWAITING_CONFIRMATION,
            )
        )
    )


def confirm_client_file(
    db: Session,
    events: DelegationEvents,
    account: Account,
    client_file_id: str,
    now: datetime,
) -> bool:
    """The signed-in owner of the email confirms: the file moves to their account."""
    client_file = db.get(ClientFile, client_file_id[:32], with_for_update=True)
    if (
        client_file is None
        or client_file.applicant_email != account.email
        or client_file.status != ClientFileStatus.AWAITING_CONFIRMATION
    ):
        return False
    transfer_applicant(
        db,
        from_subject=client_file.applicant_subject,
        to_subject=account.subject,
        now=now,
        events=events,
    )
    client_file.applicant_subject = account.subject
    client_file.status = ClientFileStatus.CLAIMED
    client_file.claimed_at = now
    db.flush()
    return True
