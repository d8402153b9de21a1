"""The two identity documents of an enrolment: details, sealed files, audited reads.

A file is kept only if its first bytes say JPEG, PNG or PDF (`uploads.sniff_media_type`)
and it fits the stated limit; it is sealed under its own data key, wrapped by the master
key, with the document's id as associated data (`keys.seal_document`). Valid details are saved
even when the file is refused (and a valid file even when a detail is wrong), so a failed
upload loses nothing already typed or sent. Only the owner and officers open a file, and
every opening is written to `idp_enrolment_document_reads` (shown to the owner).

Why a table of our own and not `consent.record_event`: the consent log is the
applicant's log of what was done on their applications, keyed by principal and read on
the Activity page; a document read belongs to an enrolment, is asked for by enrolment
and document ("who looked at my passport?"), and involves no delegation or application.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.enrolment.models import DocumentRead, Enrolment, EnrolmentDocument, EnrolmentFile
from idp.enrolment.profile import (
    DocumentDetails,
    check_document,
    normalize_document_number,
    parse_date,
)
from idp.enrolment.service import (
    DOCUMENT_SLOTS,
    EnrolmentNotFound,
    lock_enrolment,
    require_editable,
)
from idp.enrolment.uploads import Upload, sniff_media_type
from idp.errors import InvalidInput
from keys import MasterKey, SealedDocument, open_document, seal_document


class Reader(StrEnum):
    OWNER = "owner"
    OFFICER = "officer"


def documents_of(db: Session, enrolment_id: str) -> dict[int, EnrolmentDocument]:
    rows = db.scalars(
        select(EnrolmentDocument).where(EnrolmentDocument.enrolment_id == enrolment_id)
    )
    return {row.slot: row for row in rows}


def _document(db: Session, enrolment: Enrolment, slot: int, now: datetime) -> EnrolmentDocument:
    existing = documents_of(db, enrolment.id).get(slot)
    if existing is not None:
        return existing
    document = EnrolmentDocument(
        id=uuid.uuid4().hex, enrolment_id=enrolment.id, slot=slot, updated_at=now
    )
    db.add(document)
    return document


def _file_error(upload: Upload, has_file: bool) -> str | None:
    if upload.too_large:
        return "too_large"
    if upload.data is None:
        return None if has_file else "file_required"
    if sniff_media_type(upload.data) is None:
        return "unsupported_type"
    return None


def _store_file(
    db: Session, master: MasterKey, document: EnrolmentDocument, upload: Upload, now: datetime
) -> None:
    data = upload.data or b""
    sealed = seal_document(master, data, document.id.encode()).to_bytes()
    row = db.get(EnrolmentFile, document.id)
    if row is None:
        db.add(EnrolmentFile(document_id=document.id, sealed=sealed))
    else:
        row.sealed = sealed
    document.file_name = upload.file_name
    document.media_type = sniff_media_type(data) or ""
    document.size = len(data)
    document.sha256 = hashlib.sha256(data).hexdigest()
    document.uploaded_at = now


def _store_details(document: EnrolmentDocument, details: DocumentDetails) -> None:
    document.document_type = details.document_type
    document.document_number = normalize_document_number(details.document_number)
    document.name_on_document = details.name_on_document.strip()
    document.issuer = details.issuer.strip()
    document.expiry = parse_date(details.expiry)


def save_document(
    db: Session,
    master: MasterKey,
    enrolment: Enrolment,
    slot: int,
    details: DocumentDetails,
    upload: Upload,
    now: datetime,
) -> dict[str, str]:
    """Keep what is right of one document; return the error code of each wrong field."""
    enrolment = lock_enrolment(db, enrolment.id)  # a double submit waits, then updates
    require_editable(enrolment)
    if slot not in DOCUMENT_SLOTS:
        raise InvalidInput("slot", "a document is number 1 or 2")
    document = _document(db, enrolment, slot, now)
    errors = check_document(details)
    file_error = _file_error(upload, document.uploaded_at is not None)
    if file_error is not None:
        errors["file"] = file_error
    if not set(errors) - {"file"}:
        _store_details(document, details)
    if upload.data is not None and file_error is None:
        _store_file(db, master, document, upload, now)
    document.updated_at = enrolment.updated_at = now
    db.flush()
    return errors


def _open(
    db: Session,
    master: MasterKey,
    document: EnrolmentDocument,
    reader_id: str,
    role: Reader,
    now: datetime,
) -> bytes:
    row = db.get(EnrolmentFile, document.id)
    if row is None:
        raise EnrolmentNotFound("this document has no file")
    data = open_document(master, SealedDocument.from_bytes(row.sealed), document.id.encode())
    db.add(
        DocumentRead(
            document_id=document.id,
            enrolment_id=document.enrolment_id,
            reader_account_id=reader_id,
            reader_role=role.value,
            at=now,
        )
    )
    db.flush()
    return data


def open_file(
    db: Session,
    master: MasterKey,
    document_id: str,
    *,
    reader_id: str,
    role: Reader,
    now: datetime,
) -> tuple[EnrolmentDocument, bytes]:
    """The document and its file for its owner or an officer (anyone else: not found);
    the read is recorded."""
    document = db.get(EnrolmentDocument, document_id[:32])
    enrolment = db.get(Enrolment, document.enrolment_id) if document is not None else None
    if document is None or enrolment is None:
        raise EnrolmentNotFound("no such document")
    if role is Reader.OWNER and enrolment.account_id != reader_id:
        raise EnrolmentNotFound("no such document")
    return document, _open(db, master, document, reader_id, role, now)


def reads_of(db: Session, enrolment_id: str) -> list[DocumentRead]:
    return list(
        db.scalars(
            select(DocumentRead)
            .where(DocumentRead.enrolment_id == enrolment_id)
            .order_by(DocumentRead.id.desc())
        )
    )


def evidence_of(documents: dict[int, EnrolmentDocument]) -> list[dict[str, str]]:
    """What verified claims may say of the documents: type, issuer, expiry; no number."""
    return [
        {
            "type": d.document_type,
            "issuer": d.issuer,
            "expiry": d.expiry.isoformat() if isinstance(d.expiry, date) else "",
        }
        for _, d in sorted(documents.items())
    ]
