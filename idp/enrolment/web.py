"""What the enrolment pages share: the order of the steps, and the choices they offer.

The steps go in order: the email code first, then a second factor in use, then the rest
(profile, documents, declaration) in any order. A page of a later step sends the person
back to the first step not done; nothing can be changed while an officer holds the file.
"""

from __future__ import annotations

import re

from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from adapters import MembershipRegister
from idp.enrolment.models import Enrolment, EnrolmentDocument
from idp.enrolment.profile import DocumentType
from idp.enrolment.service import EDITABLE_STATUSES, find_open_enrolment
from idp.http.locale import SUPPORTED_LOCALES
from idp.http.messages import N_
from idp.representatives.service import RepresentativeType

HOME = "/enrolment"
EMAIL = "/enrolment/email"
SECOND_FACTOR = "/enrolment/second-factor"
PROFILE = "/enrolment/profile"
DOCUMENTS = "/enrolment/documents"
SUBMIT = "/enrolment/submit"
RECEIPT = "/enrolment/receipt"

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
TYPE_LABELS = {
    RepresentativeType.CICC: N_("Licensed immigration consultant (CICC licensee)"),
    RepresentativeType.LAW_SOCIETY: N_(
        "Lawyer or paralegal, member of a provincial or territorial law society"
    ),
    RepresentativeType.NOTARIES: N_("Notary, member of the Chambre des notaires du Québec"),
    RepresentativeType.UNPAID: N_("Unpaid representative (family member, friend, volunteer)"),
}
DOCUMENT_LABELS = {
    DocumentType.PASSPORT: N_("Passport"),
    DocumentType.DRIVING_PERMIT: N_("Driver's licence"),
    DocumentType.IDCARD: N_("Provincial or territorial photo ID card"),
    DocumentType.RESIDENCE_PERMIT: N_("Permanent resident card"),
}


def go(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def editable_enrolment(
    db: Session, account_id: str, second_factor_ready: bool
) -> Enrolment | Response:
    """The person's open enrolment for a later step's page, or where to go first: the
    enrolment home when none can be edited, else the first earlier step not done."""
    enrolment = find_open_enrolment(db, account_id)
    if enrolment is None or enrolment.status not in [s.value for s in EDITABLE_STATUSES]:
        return go(HOME)
    if enrolment.email_confirmed_at is None:
        return go(EMAIL)
    if not second_factor_ready:
        return go(SECOND_FACTOR)
    return enrolment


def body_choices(register: MembershipRegister, locale: str) -> list[tuple[str, str, str]]:
    """(code, name in the page's language, kind) of every membership body."""
    return [(b.code, b.names.in_language(locale), b.kind.value) for b in register.bodies()]


def body_options(register: MembershipRegister) -> list[tuple[str, dict[str, str], str]]:
    """(code, name in each page language, kind) of every membership body, for the profile
    form: a refused one is kept for its language switch, and the other language then shows
    its own names."""
    return [
        (
            b.code,
            {locale: b.names.in_language(locale) for locale in SUPPORTED_LOCALES},
            b.kind.value,
        )
        for b in register.bodies()
    ]


def body_name(register: MembershipRegister, code: str, locale: str) -> str:
    names = {c: n for c, n, _ in body_choices(register, locale)}
    return names.get(code, code)


def body_names(register: MembershipRegister, code: str) -> dict[str, str]:
    """A body's name in each page language, for a page kept for its language switch (the
    other language then shows its own); the code for a body the register does not know."""
    return {locale: body_name(register, code, locale) for locale in SUPPORTED_LOCALES}


def type_choices() -> list[tuple[str, str]]:
    return [(t.value, label) for t, label in TYPE_LABELS.items()]


def document_choices() -> list[tuple[str, str]]:
    return [(t.value, label) for t, label in DOCUMENT_LABELS.items()]


def human_size(size: int) -> str:
    """Bytes as the page states them: `5 MB`, `512 KB`."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    return f"{size // 1024} KB"


def file_response(document: EnrolmentDocument, data: bytes) -> Response:
    """A document's bytes, shown inline, never cached, never sniffed into something else."""
    stem = SAFE_NAME.sub("-", document.file_name.rsplit(".", 1)[0])[:60] or "document"
    name = f"{stem}.{EXTENSIONS.get(document.media_type, 'bin')}"
    return Response(
        data,
        media_type=document.media_type,
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
