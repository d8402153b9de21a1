"""The enrolment profile and identity-document details: what the person types, checked.

Every field at fault is named at once (a code per field, the limit in the message the page
shows); nothing is written unless the whole form is right. Membership rules: a paid type
names a body of the membership register whose kind fits the type (a CICC licensee the
College, a lawyer or paralegal a law society, a notary the Chambre des notaires) and a
number the register could hold; whether the register *has* it is the officer's check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum

from adapters import BodyKind, InvalidMembershipQuery, MembershipRegister
from idp.accounts.service import validate_email
from idp.errors import InvalidInput
from idp.representatives.service import RepresentativeType

MAX_NAME_LENGTH = 200
MAX_FIRM_LENGTH = 200
MAX_STREET_LENGTH = 200
MAX_PLACE_LENGTH = 100
MAX_POSTAL_CODE_LENGTH = 16
MAX_PHONE_LENGTH = 32
MAX_DOCUMENT_NUMBER_LENGTH = 32
MAX_ISSUER_LENGTH = 100
PHONE_PATTERN = re.compile(r"\+?[0-9 ().-]{7,32}")
DOCUMENT_NUMBER_PATTERN = re.compile(r"[A-Z0-9-]{1,32}")
BODY_KINDS = {
    RepresentativeType.CICC: BodyKind.CICC,
    RepresentativeType.LAW_SOCIETY: BodyKind.LAW_SOCIETY,
    RepresentativeType.NOTARIES: BodyKind.NOTARIES,
}


class DocumentType(StrEnum):
    """Government photo IDs we accept; values are OpenID Connect for Identity Assurance
    document types, so verified claims can name them as they are."""

    PASSPORT = "passport"
    DRIVING_PERMIT = "driving_permit"
    IDCARD = "idcard"  # a provincial or territorial photo ID card
    RESIDENCE_PERMIT = "residence_permit"  # a permanent resident card


@dataclass(frozen=True, slots=True)
class Profile:
    legal_name: str = ""
    representative_type: str = ""
    membership_body: str = ""
    membership_number: str = ""
    firm: str = ""
    street_address: str = ""
    locality: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""
    contact_email: str = ""

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


TEXT_LIMITS = {
    "legal_name": MAX_NAME_LENGTH,
    "street_address": MAX_STREET_LENGTH,
    "locality": MAX_PLACE_LENGTH,
    "region": MAX_PLACE_LENGTH,
    "postal_code": MAX_POSTAL_CODE_LENGTH,
    "country": MAX_PLACE_LENGTH,
}


def _required_texts(profile: Profile) -> dict[str, str]:
    errors = {}
    for name, limit in TEXT_LIMITS.items():
        value = getattr(profile, name).strip()
        if not value:
            errors[name] = "required"
        elif len(value) > limit:
            errors[name] = "too_long"
    if len(profile.firm.strip()) > MAX_FIRM_LENGTH:
        errors["firm"] = "too_long"
    return errors


def _contact_errors(profile: Profile) -> dict[str, str]:
    errors = {}
    phone = profile.phone.strip()
    if not PHONE_PATTERN.fullmatch(phone) or sum(c.isdigit() for c in phone) < 7:
        errors["phone"] = "invalid_phone"
    try:
        validate_email(profile.contact_email)
    except InvalidInput:
        errors["contact_email"] = "invalid_email"
    return errors


def _membership_errors(profile: Profile, register: MembershipRegister) -> dict[str, str]:
    try:
        kind = RepresentativeType(profile.representative_type)
    except ValueError:
        return {"representative_type": "invalid_choice"}
    if not kind.is_paid:
        return {}
    bodies = {b.code: b.kind for b in register.bodies()}
    errors = {}
    if bodies.get(profile.membership_body) != BODY_KINDS[kind]:
        errors["membership_body"] = "body_mismatch"
    try:
        register.lookup(profile.membership_body, profile.membership_number)
    except InvalidMembershipQuery as error:
        if error.field == "number":
            errors["membership_number"] = "invalid_membership_number"
    return errors


def check_profile(profile: Profile, register: MembershipRegister) -> dict[str, str]:
    """Error codes by field; empty when the profile may be saved."""
    return (
        _required_texts(profile) | _contact_errors(profile) | _membership_errors(profile, register)
    )


def clean_profile(profile: Profile) -> Profile:
    """The values to store: trimmed, the number as registers write it, no membership for
    an unpaid representative."""
    values = {name: getattr(profile, name).strip() for name in Profile.field_names()}
    if values["representative_type"] == RepresentativeType.UNPAID.value:
        values["membership_body"] = values["membership_number"] = ""
    values["membership_number"] = "".join(values["membership_number"].split()).upper()
    values["contact_email"] = values["contact_email"].lower()
    return Profile(**values)


@dataclass(frozen=True, slots=True)
class DocumentDetails:
    document_type: str = ""
    document_number: str = ""
    name_on_document: str = ""
    issuer: str = ""
    expiry: str = ""  # YYYY-MM-DD as typed


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def normalize_document_number(number: str) -> str:
    return "".join(number.split()).upper()


def check_document(details: DocumentDetails) -> dict[str, str]:
    """Error codes by field of one identity document's details."""
    errors = {}
    if details.document_type not in DocumentType._value2member_map_:
        errors["document_type"] = "invalid_choice"
    number = normalize_document_number(details.document_number)
    if not DOCUMENT_NUMBER_PATTERN.fullmatch(number):
        errors["document_number"] = "invalid_document_number"
    name = details.name_on_document.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        errors["name_on_document"] = "required" if not name else "too_long"
    issuer = details.issuer.strip()
    if not issuer or len(issuer) > MAX_ISSUER_LENGTH:
        errors["issuer"] = "required" if not issuer else "too_long"
    if parse_date(details.expiry) is None:
        errors["expiry"] = "invalid_date"
    return errors
