"""An enrolment from start to submission, and the person's answer to a request for more.

    draft ──submit──► submitted ──officer──► approved | rejected
                         ▲   └──officer asks──► information_requested
                         └────────answer────────────┘

One open enrolment per account (draft, submitted or information requested); a rejected
person may start again. The draft is in the database from the first step, so it survives
signing out and failed uploads. Steps, in order: confirm the email by a code
(`codes.py`), have a second factor and use it (`deps.py`), the profile, two identity
documents (`documents.py`), the declaration, submit. A client account (one that already
holds applications) enrols as a *conversion* (DESIGN.md section 7).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consent import applications_of_applicant
from idp.accounts.models import Account
from idp.db import serialize_with_writers
from idp.enrolment.models import Enrolment, EnrolmentDocument, EnrolmentEvent
from idp.enrolment.profile import Profile
from idp.errors import Conflict, InvalidInput, NotFound

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
MAX_ANSWER_LENGTH = 4000
DOCUMENT_SLOTS = (1, 2)


class EnrolmentStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INFORMATION_REQUESTED = "information_requested"
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_STATUSES = (
    EnrolmentStatus.DRAFT,
    EnrolmentStatus.SUBMITTED,
    EnrolmentStatus.INFORMATION_REQUESTED,
)
EDITABLE_STATUSES = (EnrolmentStatus.DRAFT, EnrolmentStatus.INFORMATION_REQUESTED)


class EnrolmentNotFound(NotFound):
    code = "enrolment_not_found"


def new_reference() -> str:
    letters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"EN-{letters[:4]}-{letters[4:]}"


def find_open_enrolment(db: Session, account_id: str) -> Enrolment | None:
    return db.scalar(
        select(Enrolment).where(
            Enrolment.account_id == account_id,
            Enrolment.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )


def find_latest_enrolment(db: Session, account_id: str) -> Enrolment | None:
    return db.scalar(
        select(Enrolment)
        .where(Enrolment.account_id == account_id)
        .order_by(Enrolment.created_at.desc())
        .limit(1)
    )


def lock_enrolment(db: Session, enrolment_id: str) -> Enrolment:
    """The enrolment read again under its row lock (SQLite: the write lock): changes to one
    enrolment take turns, so a double submit sees the first one's rows."""
    serialize_with_writers(db)
    enrolment = db.get(Enrolment, enrolment_id, with_for_update=True, populate_existing=True)
    if enrolment is None:
        raise EnrolmentNotFound("no such enrolment")
    return enrolment


def get_enrolment(db: Session, enrolment_id: str) -> Enrolment:
    enrolment = db.get(Enrolment, enrolment_id[:32])
    if enrolment is None:
        raise EnrolmentNotFound("no such enrolment")
    return enrolment


def is_client_account(db: Session, account: Account) -> bool:
    """An account that already holds applications: its enrolment converts it."""
    return bool(applications_of_applicant(db, account.subject))


def add_event(
    db: Session, enrolment: Enrolment, event: str, by: str, now: datetime, message: str = ""
) -> None:
    db.add(
        EnrolmentEvent(
            enrolment_id=enrolment.id, event=event, by_account_id=by, message=message, at=now
        )
    )
    db.flush()


def events_of(db: Session, enrolment_id: str) -> list[EnrolmentEvent]:
    return list(
        db.scalars(
            select(EnrolmentEvent)
            .where(EnrolmentEvent.enrolment_id == enrolment_id)
            .order_by(EnrolmentEvent.id)
        )
    )


def start_enrolment(db: Session, account: Account, now: datetime) -> Enrolment:
    """The account's open enrolment, or a new draft (prefilled with what we know).

    Two starts at once (a double click, two tabs) take turns on the account's row (SQLite:
    the write lock), so the second finds the first's draft instead of adding another.
    """
    serialize_with_writers(db)
    db.get(Account, account.id, with_for_update=True, populate_existing=True)
    existing = find_open_enrolment(db, account.id)
    if existing is not None:
        return existing
    enrolment = Enrolment(
        id=uuid.uuid4().hex,
        reference=_unused_reference(db),
        account_id=account.id,
        status=EnrolmentStatus.DRAFT.value,
        version=1,
        conversion=is_client_account(db, account),
        locale=account.locale,
        legal_name=account.name,
        contact_email=account.email,
        created_at=now,
        updated_at=now,
    )
    db.add(enrolment)
    db.flush()
    add_event(db, enrolment, "started", account.id, now)
    return enrolment


def _unused_reference(db: Session) -> str:
    while True:
        reference = new_reference()
        if db.scalar(select(Enrolment.id).where(Enrolment.reference == reference)) is None:
            return reference


def require_editable(enrolment: Enrolment) -> None:
    if enrolment.status not in [s.value for s in EDITABLE_STATUSES]:
        raise Conflict("this enrolment is with an officer", code="enrolment_not_editable")


def profile_of(enrolment: Enrolment) -> Profile:
    return Profile(**{name: getattr(enrolment, name) for name in Profile.field_names()})


def save_profile(db: Session, enrolment: Enrolment, profile: Profile, now: datetime) -> None:
    """Store a checked profile (`profile.check_profile` said it is right)."""
    require_editable(enrolment)
    for name in Profile.field_names():
        setattr(enrolment, name, getattr(profile, name))
    enrolment.updated_at = now
    db.flush()


@dataclass(frozen=True, slots=True)
class Progress:
    """Which steps are done; `missing` names the first ones to do, in order."""

    email: bool
    second_factor: bool
    profile: bool
    documents: bool
    declaration: bool

    @property
    def missing(self) -> list[str]:
        steps = ("email", "second_factor", "profile", "documents", "declaration")
        return [step for step in steps if not getattr(self, step)]


def documents_complete(db: Session, enrolment_id: str) -> bool:
    count = db.scalar(
        select(func.count())
        .select_from(EnrolmentDocument)
        .where(
            EnrolmentDocument.enrolment_id == enrolment_id,
            EnrolmentDocument.uploaded_at.is_not(None),
            EnrolmentDocument.expiry.is_not(None),
            EnrolmentDocument.document_type != "",
        )
    )
    return count == len(DOCUMENT_SLOTS)


def progress_of(db: Session, enrolment: Enrolment, *, second_factor: bool) -> Progress:
    return Progress(
        email=enrolment.email_confirmed_at is not None,
        second_factor=second_factor,
        profile=bool(enrolment.representative_type and enrolment.phone),
        documents=documents_complete(db, enrolment.id),
        declaration=enrolment.declared_at is not None,
    )


def submit_enrolment(
    db: Session, enrolment: Enrolment, progress: Progress, *, declared: bool, now: datetime
) -> None:
    """Send the enrolment to review once every step is done and the declaration made."""
    require_editable(enrolment)
    if enrolment.status != EnrolmentStatus.DRAFT.value:
        raise Conflict("answer the officer's request instead", code="enrolment_not_editable")
    missing = [step for step in progress.missing if step != "declaration"]
    if missing:
        raise InvalidInput(missing[0], f"finish the step '{missing[0]}' first", code="incomplete")
    if not declared:
        raise InvalidInput("declaration", "tick the declaration to submit", code="required")
    enrolment.declared_at = enrolment.submitted_at = enrolment.updated_at = now
    enrolment.status = EnrolmentStatus.SUBMITTED.value
    enrolment.version += 1
    db.flush()
    add_event(db, enrolment, "submitted", enrolment.account_id, now)


def answer_information_request(
    db: Session, enrolment: Enrolment, answer: str, now: datetime
) -> None:
    """The person answers inside the same enrolment; it goes back to the review queue."""
    if enrolment.status != EnrolmentStatus.INFORMATION_REQUESTED.value:
        raise Conflict("no question is waiting for an answer", code="enrolment_not_editable")
    text = answer.strip()
    if not text or len(text) > MAX_ANSWER_LENGTH:
        raise InvalidInput(
            "answer",
            f"the answer must be 1 to {MAX_ANSWER_LENGTH} characters",
            limit=MAX_ANSWER_LENGTH,
            code="required" if not text else "too_long",
        )
    enrolment.status = EnrolmentStatus.SUBMITTED.value
    enrolment.updated_at = now  # `submitted_at` stays: the queue's age counts from it
    enrolment.version += 1
    db.flush()
    add_event(db, enrolment, "information_provided", enrolment.account_id, now, text)
