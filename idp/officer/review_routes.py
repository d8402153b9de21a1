"""Officer pages of enrolment review: the queue (`/officer/enrolments`, filtered by
status, age and membership body), one enrolment beside its documents and the automatic
checks (`/officer/enrolments/{id}`), the decision, and each document's file.

A decision carries the version of the enrolment the officer saw: when another officer
decided first, the page says so instead of deciding twice.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import tzinfo
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from adapters import MembershipRegister
from consent import ConsentError
from idp.accounts.models import Account
from idp.clock import local_date
from idp.delegation.deps import Events
from idp.enrolment import web
from idp.enrolment.checks import run_checks
from idp.enrolment.deps import Register
from idp.enrolment.documents import Reader, documents_of, open_file, reads_of
from idp.enrolment.review import (
    AGE_CHOICES,
    Collaborators,
    DecidedElsewhere,
    QueueFilter,
    decide_enrolment,
    parse_decision,
    review_queue,
)
from idp.enrolment.service import EnrolmentStatus, events_of, get_enrolment
from idp.enrolment.views import document_view, enrolment_view, event_view, read_view
from idp.errors import InvalidInput, NotFound
from idp.http.csrf import CsrfForm
from idp.http.deps import AppSettings, Db, Master, Now, Router
from idp.http.pages import render_page
from idp.http.params import Query
from idp.notifications.deps import Mail
from idp.officer.deps import OFFICERS_ONLY, Officer

router = Router()
QUEUE = "/officer/enrolments"


def _filter(query: Query) -> QueueFilter:
    statuses = [s.value for s in EnrolmentStatus if s is not EnrolmentStatus.DRAFT]
    status = query.get("status")
    age = query.text("age")
    return QueueFilter(
        status=status if status in statuses else ("" if status == "all" else "submitted"),
        min_age_days=int(age) if age.isdigit() and int(age) in AGE_CHOICES else 0,
        body=query.text("body")[:32],
    )


@router.get(QUEUE, dependencies=OFFICERS_ONLY)
def queue(request: Request, query: Query, db: Db, register: Register, now: Now) -> Response:
    wanted = _filter(query)
    rows = [
        {
            "id": e.id,
            "reference": e.reference,
            "name": e.legal_name,
            "type": e.representative_type,
            "body": web.body_name(register, e.membership_body, request.state.locale),
            "status": e.status,
            "days": (now - e.submitted_at).days if e.submitted_at else 0,
            "conversion": e.conversion,
        }
        for e in review_queue(db, wanted, now)
    ]
    context = {
        "rows": rows,
        "filter": wanted,
        "ages": AGE_CHOICES,
        "statuses": [s.value for s in EnrolmentStatus if s is not EnrolmentStatus.DRAFT],
        "bodies": web.body_choices(register, request.state.locale),
        "type_labels": dict(web.type_choices()),
    }
    return render_page(request, "officer/enrolments.html", context)


def _detail(
    request: Request,
    db: Session,
    register: MembershipRegister,
    enrolment_id: str,
    now: Now,
    zone: tzinfo,
) -> dict[str, Any]:
    """The review page's values. A document has expired once its expiry day has passed in
    the service's zone: at 21:00 in Toronto, UTC's date is already the next day."""
    today = local_date(now, zone)
    try:
        enrolment = get_enrolment(db, enrolment_id)
    except NotFound:
        raise HTTPException(404) from None
    documents = documents_of(db, enrolment.id)
    account = db.get(Account, enrolment.account_id)
    # Plain values: a refused decision is kept for its language switch (`idp.http.snapshots`).
    return {
        "enrolment": asdict(enrolment_view(enrolment)),
        "account_email": account.email if account else "",
        "documents": [asdict(document_view(d)) for _, d in sorted(documents.items())],
        "checks": [asdict(c) for c in run_checks(db, enrolment, documents, register, today)],
        "events": [asdict(event_view(e)) for e in events_of(db, enrolment.id)],
        "reads": [asdict(read_view(r)) for r in reads_of(db, enrolment.id)],
        "type_labels": dict(web.type_choices()),
        "document_labels": dict(web.document_choices()),
        "body": web.body_names(register, enrolment.membership_body),
        "today": today.isoformat(),
        "values": {},
        "errors": {},
        "notice": request.query_params.get("notice"),
    }


@router.get(QUEUE + "/{enrolment_id}", dependencies=OFFICERS_ONLY)
def enrolment_detail(
    request: Request,
    enrolment_id: str,
    db: Db,
    register: Register,
    settings: AppSettings,
    now: Now,
) -> Response:
    context = _detail(request, db, register, enrolment_id, now, settings.display_zone)
    return render_page(request, "officer/enrolment.html", context)


@router.post(QUEUE + "/{enrolment_id}/decision")
def decide(
    request: Request,
    enrolment_id: str,
    form: CsrfForm,
    officer: Officer,
    db: Db,
    register: Register,
    events: Events,
    settings: AppSettings,
    mail: Mail,
    now: Now,
) -> Response:
    values = {"decision": form.text("decision"), "message": form.text("message")}
    try:
        decision = parse_decision(values["decision"], values["message"], form.text("version"))
        # A savepoint: a refused conversion (a suspended representative) leaves nothing.
        with db.begin_nested():
            decided = decide_enrolment(
                db,
                enrolment_id[:32],
                decision,
                by=officer.account.id,
                parts=Collaborators(events, settings.issuer),
                now=now,
            )
    except (InvalidInput, DecidedElsewhere, ConsentError) as error:
        context = _detail(request, db, register, enrolment_id, now, settings.display_zone)
        field = error.field if isinstance(error, InvalidInput) else "decision"
        context |= {"values": values, "errors": {field or "decision": error.code}}
        return render_page(
            request,
            "officer/enrolment.html",
            context,
            status_code=400 if isinstance(error, InvalidInput) else 409,
            address=f"{QUEUE}/{enrolment_id[:32]}",
        )
    for message in decided.mails:
        mail.send(message)
    return RedirectResponse(f"{QUEUE}/{enrolment_id[:32]}?notice=decided", status_code=303)


@router.get(QUEUE + "/{enrolment_id}/documents/{document_id}")
def officer_document(
    enrolment_id: str, document_id: str, officer: Officer, db: Db, master: Master, now: Now
) -> Response:
    try:
        document, data = open_file(
            db, master, document_id, reader_id=officer.account.id, role=Reader.OFFICER, now=now
        )
    except NotFound:
        raise HTTPException(404) from None
    if document.enrolment_id != enrolment_id[:32]:
        raise HTTPException(404)
    return web.file_response(document, data)
