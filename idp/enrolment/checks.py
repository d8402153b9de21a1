"""The automatic checks an officer sees beside an enrolment (DESIGN.md section 6).

Each check answers `passed` (True, False, or None when it does not apply, e.g. the
membership checks of an unpaid representative) with a code the page explains:

- `names_match`: the legal name and the name on each document are the same once case,
  accents, punctuation and the order of words are set aside;
- `documents_valid`: both documents are there and none has expired;
- `membership_found`: the membership register holds the body and number, in good
  standing (its name is shown too);
- `membership_unique`: no other account holds, or asks for, this membership.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import InvalidMembershipQuery, MembershipRegister
from idp.enrolment.models import Enrolment, EnrolmentDocument
from idp.enrolment.service import DOCUMENT_SLOTS, EnrolmentStatus
from idp.representatives.models import Representative
from idp.representatives.service import RepresentativeType


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    passed: bool | None
    detail: str = ""


def name_key(name: str) -> tuple[str, ...]:
    """A name without case, accents, punctuation or word order, to compare two spellings."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return tuple(sorted(letters.split()))


def check_names(enrolment: Enrolment, documents: dict[int, EnrolmentDocument]) -> Check:
    names = [d.name_on_document for d in documents.values()]
    keys = {name_key(n) for n in [enrolment.legal_name, *names]}
    if len(names) < len(DOCUMENT_SLOTS):
        return Check("names_match", False, "missing")
    return Check("names_match", len(keys) == 1, " / ".join([enrolment.legal_name, *names]))


def check_documents(documents: dict[int, EnrolmentDocument], today: date) -> Check:
    complete = [d for d in documents.values() if d.expiry and d.uploaded_at]
    if len(complete) < len(DOCUMENT_SLOTS):
        return Check("documents_valid", False, "missing")
    expired = [d for d in complete if d.expiry is not None and d.expiry < today]
    numbers = {(d.document_type, d.document_number) for d in complete}
    if len(numbers) < len(complete):
        return Check("documents_valid", False, "same_document")
    return Check("documents_valid", not expired, "expired" if expired else "")


def _is_paid(enrolment: Enrolment) -> bool:
    try:
        return RepresentativeType(enrolment.representative_type).is_paid
    except ValueError:
        return False


def check_membership(enrolment: Enrolment, register: MembershipRegister) -> Check:
    if not _is_paid(enrolment):
        return Check("membership_found", None)
    try:
        record = register.lookup(enrolment.membership_body, enrolment.membership_number)
    except InvalidMembershipQuery:
        record = None
    if record is None:
        return Check("membership_found", False, "not_found")
    if not record.is_in_good_standing:
        return Check("membership_found", False, record.status.value)
    return Check("membership_found", True, record.name)


def check_unique_membership(db: Session, enrolment: Enrolment) -> Check:
    if not _is_paid(enrolment):
        return Check("membership_unique", None)
    same = (enrolment.membership_body, enrolment.membership_number)
    other_enrolment = db.scalar(
        select(Enrolment.id).where(
            Enrolment.membership_body == same[0],
            Enrolment.membership_number == same[1],
            Enrolment.account_id != enrolment.account_id,
            Enrolment.status != EnrolmentStatus.REJECTED.value,
        )
    )
    other_representative = db.scalar(
        select(Representative.account_id).where(
            Representative.membership_body == same[0],
            Representative.membership_number == same[1],
            Representative.account_id != enrolment.account_id,
        )
    )
    taken = other_enrolment is not None or other_representative is not None
    return Check("membership_unique", not taken, "taken" if taken else "")


def run_checks(
    db: Session,
    enrolment: Enrolment,
    documents: dict[int, EnrolmentDocument],
    register: MembershipRegister,
    today: date,
) -> list[Check]:
    return [
        check_names(enrolment, documents),
        check_documents(documents, today),
        check_membership(enrolment, register),
        check_unique_membership(db, enrolment),
    ]
