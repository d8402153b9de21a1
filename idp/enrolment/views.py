"""View models of the enrolment and review pages and of the officer's representatives
page: small frozen values the templates read.

Templates get these, never ORM rows, so a page answering a form (a refused answer,
document, submission, decision or status reason) can be kept for its language switch
(`idp.http.snapshots`), which keeps plain JSON values only. So dates are ISO text and
times seconds since the epoch, which the `display_time` filter shows in the page's
language. The routes hand them to the templates as dictionaries (`asdict`), which the
templates read alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from idp.enrolment.models import DocumentRead, Enrolment, EnrolmentDocument, EnrolmentEvent
from idp.representatives.models import Representative


@dataclass(frozen=True, slots=True)
class EnrolmentView:
    id: str
    reference: str
    status: str
    version: int
    conversion: bool
    legal_name: str
    representative_type: str
    membership_body: str
    membership_number: str
    firm: str
    street_address: str
    locality: str
    region: str
    postal_code: str
    country: str
    phone: str
    contact_email: str
    decision_reason: str


def enrolment_view(enrolment: Enrolment) -> EnrolmentView:
    return EnrolmentView(
        id=enrolment.id,
        reference=enrolment.reference,
        status=enrolment.status,
        version=enrolment.version,
        conversion=enrolment.conversion,
        legal_name=enrolment.legal_name,
        representative_type=enrolment.representative_type,
        membership_body=enrolment.membership_body,
        membership_number=enrolment.membership_number,
        firm=enrolment.firm,
        street_address=enrolment.street_address,
        locality=enrolment.locality,
        region=enrolment.region,
        postal_code=enrolment.postal_code,
        country=enrolment.country,
        phone=enrolment.phone,
        contact_email=enrolment.contact_email,
        decision_reason=enrolment.decision_reason,
    )


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document's details, and its file's when one was received (`uploaded`, seconds
    since the epoch, which `display_date` shows as a day in the display zone; None before)."""

    id: str
    slot: int
    document_type: str
    document_number: str
    name_on_document: str
    issuer: str
    expiry: str
    file_name: str
    media_type: str
    size: int
    uploaded: float | None


def document_view(document: EnrolmentDocument) -> DocumentView:
    return DocumentView(
        id=document.id,
        slot=document.slot,
        document_type=document.document_type,
        document_number=document.document_number,
        name_on_document=document.name_on_document,
        issuer=document.issuer,
        expiry=document.expiry.isoformat() if document.expiry else "",
        file_name=document.file_name,
        media_type=document.media_type,
        size=document.size,
        uploaded=document.uploaded_at.timestamp() if document.uploaded_at else None,
    )


@dataclass(frozen=True, slots=True)
class EventView:
    event: str
    message: str
    at: float


def event_view(event: EnrolmentEvent) -> EventView:
    return EventView(event=event.event, message=event.message, at=event.at.timestamp())


@dataclass(frozen=True, slots=True)
class ReadView:
    """A document's opening: by its owner or an officer, and when."""

    reader_role: str
    at: float


def read_view(read: DocumentRead) -> ReadView:
    return ReadView(reader_role=read.reader_role, at=read.at.timestamp())


@dataclass(frozen=True, slots=True)
class RepresentativeView:
    """What an approved enrolment made: the representative ID, its status and the reason
    the officer last gave for it."""

    representative_id: str
    status: str
    status_reason: str


def representative_view(representative: Representative) -> RepresentativeView:
    return RepresentativeView(
        representative_id=representative.representative_id,
        status=representative.status,
        status_reason=representative.status_reason,
    )
