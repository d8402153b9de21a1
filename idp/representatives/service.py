"""Approved representatives: the record an approval writes, its status, and the claims.

A representative ID (`REP-XXXX-XXXX`) is given once per account and kept for good: a
second enrolment, a suspension and a reinstatement all keep it, so portals can file it.
Paid representation needs an active record of a paid type (DESIGN.md section 2: "paid
delegation needs an approved representative enrolment"); the `representative` role of
the account follows the record (added on approval and reinstatement, removed on
suspension), for the code and the operators that still read roles.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.accounts.models import Account, Role
from idp.representatives.models import Representative

ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone
ID_PREFIX = "REP"


class RepresentativeType(StrEnum):
    """What the person enrolled as: the three licensed kinds are paid, the last is not."""

    CICC = "cicc"  # a licensee of the College of Immigration and Citizenship Consultants
    LAW_SOCIETY = "law_society"  # a lawyer or paralegal of a provincial/territorial society
    NOTARIES = "notaries"  # a notary of the Chambre des notaires du Québec
    UNPAID = "unpaid"  # family member, friend, volunteer

    @property
    def is_paid(self) -> bool:
        return self is not RepresentativeType.UNPAID


class RepresentativeStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class ApprovedProfile:
    """What an approved enrolment establishes about the representative."""

    representative_type: RepresentativeType
    legal_name: str
    membership_body: str | None
    membership_number: str | None
    firm: str
    contact_email: str
    phone: str
    address: dict[str, str]
    enrolment_reference: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


def new_representative_id() -> str:
    letters = "".join(secrets.choice(ID_ALPHABET) for _ in range(8))
    return f"{ID_PREFIX}-{letters[:4]}-{letters[4:]}"


def find_representative(db: Session, subject: str) -> Representative | None:
    if not subject or len(subject) > 64:
        return None
    return db.scalar(select(Representative).where(Representative.subject == subject))


def find_representative_of_account(db: Session, account_id: str) -> Representative | None:
    return db.get(Representative, account_id)


def is_active(representative: Representative | None) -> bool:
    return representative is not None and representative.status == RepresentativeStatus.ACTIVE.value


def is_approved_representative(db: Session, subject: str) -> bool:
    """May this person be a *paid* representative now (an active record of a paid type)?"""
    representative = find_representative(db, subject)
    return (
        is_active(representative)
        and representative is not None
        and RepresentativeType(representative.representative_type).is_paid
    )


def _set_role(account: Account, present: bool) -> None:
    roles = [r for r in account.roles or [] if r != Role.REPRESENTATIVE]
    account.roles = [*roles, Role.REPRESENTATIVE] if present else roles


def record_approval(
    db: Session, account: Account, profile: ApprovedProfile, *, by: str, now: datetime
) -> Representative:
    """Create or renew the record of an approved enrolment; the ID stays the same."""
    representative = find_representative_of_account(db, account.id)
    if representative is None:
        representative = Representative(
            account_id=account.id,
            subject=account.subject,
            representative_id=_unused_id(db),
        )
        db.add(representative)
    representative.representative_type = profile.representative_type.value
    representative.legal_name = profile.legal_name
    representative.membership_body = profile.membership_body
    representative.membership_number = profile.membership_number
    representative.firm = profile.firm
    representative.contact_email = profile.contact_email
    representative.phone = profile.phone
    representative.address = dict(profile.address)
    representative.evidence = list(profile.evidence)
    representative.enrolment_reference = profile.enrolment_reference
    representative.status = RepresentativeStatus.ACTIVE.value
    representative.verified_at = representative.updated_at = now
    representative.approved_by = by
    representative.suspended_at = representative.suspended_by = None
    representative.status_reason = ""
    _set_role(account, True)
    db.flush()
    return representative


def _unused_id(db: Session) -> str:
    while True:
        candidate = new_representative_id()
        taken = db.scalar(
            select(Representative.account_id).where(Representative.representative_id == candidate)
        )
        if taken is None:
            return candidate


def set_status(
    db: Session,
    account: Account,
    status: RepresentativeStatus,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> Representative | None:
    """Suspend or reinstate the record (None: the account never was an approved
    representative; only its role changes)."""
    representative = find_representative_of_account(db, account.id)
    _set_role(account, status is RepresentativeStatus.ACTIVE and representative is not None)
    if representative is None:
        return None
    representative.status = status.value
    representative.status_reason = reason
    representative.updated_at = now
    suspended = status is RepresentativeStatus.SUSPENDED
    representative.suspended_at = now if suspended else None
    representative.suspended_by = by if suspended else None
    db.flush()
    return representative


def membership_of(representative: Representative) -> dict[str, str] | None:
    if not representative.membership_body or not representative.membership_number:
        return None
    return {"body": representative.membership_body, "number": representative.membership_number}


def act_claim(subject: str, representative: Representative | None) -> dict[str, Any]:
    """The `act` claim of a delegated token (RFC 8693 section 4.1), with the representative
    ID and membership portals need to fill in who acts (only for an active record)."""
    claim: dict[str, Any] = {"sub": subject}
    if representative is not None and is_active(representative):
        claim["representative_id"] = representative.representative_id
        membership = membership_of(representative)
        if membership is not None:
            claim["membership"] = membership
    return claim


def contact_claims(representative: Representative) -> dict[str, Any]:
    """The `representative` scope: the contact details the representative chose to share."""
    address = representative.address or {}
    keys = ("street_address", "locality", "region", "postal_code", "country")
    formatted = ", ".join(address[k] for k in keys if address.get(k))
    claims: dict[str, Any] = {
        "representative_id": representative.representative_id,
        "representative_type": representative.representative_type,
        "phone_number": representative.phone,
        "address": {**address, "formatted": formatted},
        "email": representative.contact_email,
        "firm": representative.firm,
    }
    membership = membership_of(representative)
    if membership is not None:
        claims["membership"] = membership
    return claims
