"""Enrolment pages: the two identity documents (`/enrolment/documents`), uploaded one at
a time with their details, and the owner's view of each file.

The size limit is stated on the page before anyone chooses a file and again in the error
(413) when a file is larger; what was typed comes back in the form.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.responses import Response

from idp.authn.deps import Me
from idp.enrolment import web
from idp.enrolment.deps import SecondFactorReady
from idp.enrolment.documents import Reader, documents_of, open_file, reads_of, save_document
from idp.enrolment.models import Enrolment, EnrolmentDocument
from idp.enrolment.profile import DocumentDetails
from idp.enrolment.service import DOCUMENT_SLOTS, find_latest_enrolment
from idp.enrolment.uploads import CheckedUpload
from idp.enrolment.views import document_view, read_view
from idp.errors import NotFound
from idp.http.deps import AppSettings, Db, Master, Now, Router
from idp.http.pages import render_page

router = Router()


def _details_of(document: EnrolmentDocument | None) -> dict[str, str]:
    if document is None:
        return asdict(DocumentDetails())
    expiry = document.expiry.isoformat() if isinstance(document.expiry, date) else ""
    return {
        "document_type": document.document_type,
        "document_number": document.document_number,
        "name_on_document": document.name_on_document,
        "issuer": document.issuer,
        "expiry": expiry,
    }


def _slots(
    db: Session,
    enrolment: Enrolment,
    typed: dict[int, dict[str, str]],
    errors: dict[int, dict[str, str]],
) -> list[dict[str, Any]]:
    """Each slot's details (as typed, or as saved), its errors and its file: plain values,
    so a refused document is kept for its language switch (`idp.http.snapshots`)."""
    documents = documents_of(db, enrolment.id)
    slots = []
    for slot in DOCUMENT_SLOTS:
        document = documents.get(slot)
        slots.append(
            {
                "slot": slot,
                "details": typed.get(slot) or _details_of(document),
                "errors": errors.get(slot, {}),
                "file": (
                    asdict(document_view(document))
                    if document is not None and document.uploaded_at
                    else None
                ),
            }
        )
    return slots


def _page(
    request: Request,
    db: Session,
    settings: AppSettings,
    enrolment: Enrolment,
    *,
    typed: dict[int, dict[str, str]] | None = None,
    errors: dict[int, dict[str, str]] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "slots": _slots(db, enrolment, typed or {}, errors or {}),
        "limit": web.human_size(settings.document_max_bytes),
        "types": web.document_choices(),
        "reads": [asdict(read_view(r)) for r in reads_of(db, enrolment.id)],
        "notice": request.query_params.get("notice"),
    }
    return render_page(
        request, "enrolment/documents.html", context, status_code=status, address=web.DOCUMENTS
    )


@router.get(web.DOCUMENTS)
def documents_page(
    request: Request, me: Me, db: Db, settings: AppSettings, ready: SecondFactorReady
) -> Response:
    enrolment = web.editable_enrolment(db, me.account.id, ready)
    if isinstance(enrolment, Response):
        return enrolment
    return _page(request, db, settings, enrolment)


@router.post(web.DOCUMENTS + "/{slot}")
def upload_document(
    request: Request,
    slot: int,
    upload: CheckedUpload,
    me: Me,
    db: Db,
    settings: AppSettings,
    master: Master,
    ready: SecondFactorReady,
    now: Now,
) -> Response:
    enrolment = web.editable_enrolment(db, me.account.id, ready)
    if isinstance(enrolment, Response):
        return enrolment
    if slot not in DOCUMENT_SLOTS:
        return web.go(web.DOCUMENTS)
    details = DocumentDetails(**{k: upload.text(k) for k in asdict(DocumentDetails())})
    errors = save_document(db, master, enrolment, slot, details, upload, now)
    if not errors:
        return web.go(f"{web.DOCUMENTS}?notice=saved_{slot}")
    status = 413 if errors.get("file") == "too_large" else 400
    return _page(
        request,
        db,
        settings,
        enrolment,
        typed={slot: asdict(details)},
        errors={slot: errors},
        status=status,
    )


@router.get(web.DOCUMENTS + "/file/{document_id}")
def view_own_document(document_id: str, me: Me, db: Db, master: Master, now: Now) -> Response:
    """The owner opens one of their files (recorded like an officer's reading)."""
    if find_latest_enrolment(db, me.account.id) is None:
        return web.go(web.HOME)
    try:
        document, data = open_file(
            db, master, document_id, reader_id=me.account.id, role=Reader.OWNER, now=now
        )
    except NotFound:
        raise HTTPException(404) from None
    return web.file_response(document, data)
