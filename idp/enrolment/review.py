"""Officer review: the queue, and the decisions (approve, reject with a reason, ask for
more information), each mailed in the person's language.

Two officers cannot decide one enrolment: a decision is an UPDATE guarded by the
`version` the officer's page showed (and by the status), so once one decision commits
the other finds no row and is told so (`DecidedElsewhere`); on PostgreSQL the second
UPDATE waits on the first one's row lock and then sees the new version. Everything an
approval changes (the representative record and role, the conversion's client files and
delegations, the portals' events) is in the decision's transaction: all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from adapters import OutgoingMail
from consent import DelegationEvents
from idp.accounts.models import Account
from idp.enrolment.conversion import ConversionContext, convert_client_files
from idp.enrolment.documents import documents_of, evidence_of
from idp.enrolment.models import Enrolment
from idp.enrolment.service import EnrolmentStatus, add_event, get_enrolment
from idp.errors import Conflict, InvalidInput
from idp.notifications.enrolment_mails import decision_mail
from idp.representatives.service import ApprovedProfile, RepresentativeType, record_approval

MAX_MESSAGE_LENGTH = 4000
QUEUE_LIMIT = 200
AGE_CHOICES = (0, 2, 7, 30)  # "waiting at least N days"


class DecisionKind(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ASK = "ask"


DECIDED_STATUS = {
    DecisionKind.APPROVE: EnrolmentStatus.APPROVED,
    DecisionKind.REJECT: EnrolmentStatus.REJECTED,
    DecisionKind.ASK: EnrolmentStatus.INFORMATION_REQUESTED,
}


class DecidedElsewhere(Conflict):
    code = "decided_elsewhere"


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = EnrolmentStatus.SUBMITTED.value
    min_age_days: int = 0
    body: str = ""


def review_queue(db: Session, wanted: QueueFilter, now: datetime) -> list[Enrolment]:
    """Enrolments past the draft stage, oldest submission first, filtered."""
    query = select(Enrolment).where(Enrolment.submitted_at.is_not(None))
    if wanted.status:
        query = query.where(Enrolment.status == wanted.status)
    if wanted.min_age_days:
        query = query.where(Enrolment.submitted_at <= now - timedelta(days=wanted.min_age_days))
    if wanted.body:
        query = query.where(Enrolment.membership_body == wanted.body)
    return list(db.scalars(query.order_by(Enrolment.submitted_at).limit(QUEUE_LIMIT)))


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    message: str
    version: int


@dataclass
class Decided:
    enrolment: Enrolment
    mails: list[OutgoingMail] = field(default_factory=list)
    representative_id: str = ""


def parse_decision(kind: str, message: str, version: str) -> Decision:
    """The decision form, checked before anything is written."""
    try:
        chosen = DecisionKind(kind)
    except ValueError:
        raise InvalidInput(
            "decision", "choose approve, reject or ask", code="invalid_choice"
        ) from None
    text = message.strip()
    if chosen is not DecisionKind.APPROVE and not text:
        raise InvalidInput("message", "say why, or what you need", code="required")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise InvalidInput(
            "message",
            f"at most {MAX_MESSAGE_LENGTH} characters",
            limit=MAX_MESSAGE_LENGTH,
            code="too_long",
        )
    if not version.isdigit() or len(version) > 9:
        raise InvalidInput("version", "reload the page", code="invalid_version")
    return Decision(chosen, text, int(version))


def _claim(db: Session, enrolment_id: str, decision: Decision, by: str, now: datetime) -> Enrolment:
    """Apply the decision's status if nobody decided since the page was shown."""
    result = db.execute(
        update(Enrolment)
        .where(
            Enrolment.id == enrolment_id,
            Enrolment.version == decision.version,
            Enrolment.status == EnrolmentStatus.SUBMITTED.value,
        )
        .values(
            status=DECIDED_STATUS[decision.kind].value,
            version=decision.version + 1,
            decided_at=now,
            decided_by=by,
            decision_reason=decision.message,
            updated_at=now,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        raise DecidedElsewhere("another officer decided this enrolment first, or it changed")
    enrolment = get_enrolment(db, enrolment_id)
    db.refresh(enrolment)
    return enrolment


@dataclass(frozen=True, slots=True)
class Collaborators:
    """What an approval needs beyond the database: the delegation events (portals are
    told of the conversion's delegations) and the issuer (links in mails)."""

    events: DelegationEvents
    issuer: str


def _approved_profile(db: Session, enrolment: Enrolment) -> ApprovedProfile:
    paid = RepresentativeType(enrolment.representative_type).is_paid
    return ApprovedProfile(
        representative_type=RepresentativeType(enrolment.representative_type),
        legal_name=enrolment.legal_name,
        membership_body=enrolment.membership_body if paid else None,
        membership_number=enrolment.membership_number if paid else None,
        firm=enrolment.firm,
        contact_email=enrolment.contact_email,
        phone=enrolment.phone,
        address={
            "street_address": enrolment.street_address,
            "locality": enrolment.locality,
            "region": enrolment.region,
            "postal_code": enrolment.postal_code,
            "country": enrolment.country,
        },
        enrolment_reference=enrolment.reference,
        evidence=evidence_of(documents_of(db, enrolment.id)),
    )


def _approve(
    db: Session, decided: Decided, account: Account, by: str, parts: Collaborators, now: datetime
) -> None:
    enrolment = decided.enrolment
    representative = record_approval(db, account, _approved_profile(db, enrolment), by=by, now=now)
    decided.representative_id = representative.representative_id
    if enrolment.conversion:
        context = ConversionContext(
            enrolment, account, representative, parts.events, parts.issuer, by, now
        )
        decided.mails += convert_client_files(db, context).mails


def decide_enrolment(
    db: Session,
    enrolment_id: str,
    decision: Decision,
    *,
    by: str,
    parts: Collaborators,
    now: datetime,
) -> Decided:
    """Record an officer's decision and return it with the mail to send after commit."""
    decided = Decided(_claim(db, enrolment_id, decision, by, now))
    enrolment = decided.enrolment
    account = db.get(Account, enrolment.account_id)
    if account is None:
        raise Conflict("the enrolling account no longer exists", code="account_gone")
    if decision.kind is DecisionKind.APPROVE:
        _approve(db, decided, account, by, parts, now)
    event = {"approve": "approved", "reject": "rejected", "ask": "information_requested"}
    add_event(db, enrolment, event[decision.kind.value], by, now, decision.message)
    mail = decision_mail(
        account.email,
        account.locale,
        decision.kind.value,
        reference=enrolment.reference,
        representative_id=decided.representative_id,
        message=decision.message,
    )
    decided.mails.insert(0, mail)
    return decided
