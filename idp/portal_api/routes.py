"""The portal API (`/api/...`): portals authenticate with client-credentials access tokens.

- `POST /api/applications` (scope `applications:write`, `Idempotency-Key` honoured):
  register an application for an applicant named by `sub` (who signed in to this portal)
  or by the email they signed in with (`login_hint`: a claim the person confirms);
  `PATCH /api/applications/{number}` updates status, unread count and link (the
  applicant is mailed a new status or new messages);
  `GET /api/applications` lists the portal's applications.
- `POST /api/decisions` (scope `delegations:read`): may this actor do this action on this
  application now? Errors are `application/problem+json` naming the field.
- `GET /api/docs`: the OpenAPI description in Swagger UI, from the package's own assets
  (`idp/static/swagger-ui/`), so the page works under the service's CSP.

Every `sub` in and out is the one this portal knows (public or pairwise, `idp.subjects`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Header, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from consent import (
    MAX_APPLICATIONS_PAGE,
    Application,
    ApplicationChange,
    ConsentError,
    applications_of_portal,
    decide,
    find_portal_application,
    update_application,
)
from idp.applications.notices import ApplicationState, news_mail
from idp.applications.service import (
    ReportedApplication,
    check_deep_link,
    claim_for_email,
    register_for_subject,
)
from idp.clients.deps import Profiles
from idp.clients.service import RegisteredClient
from idp.errors import InvalidInput
from idp.http.deps import AppSettings, Db, Now, Router
from idp.http.errors import problem
from idp.http.pages import render_page
from idp.metrics import DELEGATION_DECISIONS
from idp.notifications.deps import Mail
from idp.portal_api.deps import ReadingPortal, WritingPortal
from idp.portal_api.models import IdempotencyRecord
from idp.portal_api.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    ClaimOut,
    DecisionIn,
    DecisionOut,
    problem_responses,
)
from idp.subjects.deps import Subjects
from idp.subjects.service import SubjectIdentifiers

router = Router(prefix="/api", tags=["portal API"])
MAX_IDEMPOTENCY_KEY_LENGTH = 128


def _out(application: Application, applicant_sub: str) -> dict[str, object]:
    return ApplicationOut(
        id=application.id,
        application_number=application.portal_reference,
        program=application.program,
        status=application.status,
        unread_count=application.unread_count,
        deep_link=application.deep_link,
        applicant_sub=applicant_sub,
        # SQLite gives back naive datetimes; RFC 3339 (OpenAPI date-time) needs the offset.
        updated_at=application.updated_at.replace(tzinfo=application.updated_at.tzinfo or UTC),
    ).model_dump(mode="json")


def _field_problem(code: str, field: str | None, message: str, limit: object = None) -> Response:
    errors = [{"field": field, "message": message, "limit": limit}]
    return problem(422, code, "Invalid input", message, errors=errors)


def _register(
    db: Session,
    subjects: SubjectIdentifiers,
    portal: RegisteredClient,
    body: ApplicationIn,
    now: Now,
) -> tuple[int, dict[str, object]] | Response:
    report = ReportedApplication(
        body.application_number, body.program, body.status, body.unread_count, body.deep_link
    )
    if body.applicant.login_hint and not body.applicant.sub:
        claim = claim_for_email(db, portal, body.applicant.login_hint, report, now)
        out = ClaimOut(application_number=claim.application_number, status="pending_confirmation")
        return 202, out.model_dump(mode="json")
    # The portal names the applicant by the `sub` it knows (public or pairwise).
    account = subjects.account_for_subject(db, body.applicant.sub or "", portal)
    registered = (
        register_for_subject(db, portal, account.subject, report, now)
        if account is not None
        else None
    )
    if registered is None:
        message = "no account of this portal matches applicant.sub or applicant.login_hint"
        return _field_problem("unknown_applicant", "applicant", message)
    application, created = registered
    return (201 if created else 200), _out(application, str(body.applicant.sub))


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    summary="Register an application for an applicant",
    responses={
        200: {"model": ApplicationOut, "description": "It was already registered: no duplicate."},
        202: {"model": ClaimOut, "description": "Named by email: waits for the person to confirm."},
        **problem_responses(400, 401, 403, 413, 422),
    },
)
def create_application(
    body: ApplicationIn,
    portal: WritingPortal,
    db: Db,
    subjects: Subjects,
    now: Now,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=MAX_IDEMPOTENCY_KEY_LENGTH
    ),
) -> Response:
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    if idempotency_key:
        record = db.get(IdempotencyRecord, (portal.client_id, idempotency_key))
        if record is not None:
            if record.request_digest != digest:
                return _field_problem(
                    "idempotency_key_reused",
                    "Idempotency-Key",
                    "this Idempotency-Key was used with another body",
                )
            return JSONResponse(record.body, status_code=record.status_code)
    try:
        answer = _register(db, subjects, portal, body, now)
    except (ConsentError, InvalidInput) as error:
        return _refused(error)
    if isinstance(answer, Response):
        return answer
    status_code, payload = answer
    if idempotency_key:
        db.add(
            IdempotencyRecord(
                client_id=portal.client_id,
                key=idempotency_key,
                request_digest=digest,
                status_code=status_code,
                body=payload,
                created_at=now,
            )
        )
    return JSONResponse(payload, status_code=status_code)


def _refused(error: ConsentError | InvalidInput) -> Response:
    limit = error.limit if isinstance(error, InvalidInput) else None
    return _field_problem(error.code, error.field, error.message, limit)


@router.patch(
    "/applications/{application_number}",
    response_model=ApplicationOut,
    summary="Update an application's status, unread count or link",
    responses=problem_responses(400, 401, 403, 404, 413, 422),
)
def patch_application(
    application_number: str,
    body: ApplicationPatch,
    portal: WritingPortal,
    db: Db,
    subjects: Subjects,
    mail: Mail,
    profiles: Profiles,
    settings: AppSettings,
    now: Now,
) -> Response:
    """One mail to the applicant when the status changes or new messages wait
    (`idp.applications.notices`)."""
    application = find_portal_application(db, portal.client_id, application_number[:64])
    if application is None:
        return problem(
            404,
            "application_not_found",
            "Not found",
            f"no application {application_number[:64]!r} at this portal",
        )
    before = ApplicationState.of(application)
    try:
        link = check_deep_link(portal, body.deep_link) if body.deep_link is not None else None
        change = ApplicationChange(
            status=body.status, unread_count=body.unread_count, deep_link=link
        )
        update_application(application, change, now)
    except (ConsentError, InvalidInput) as error:
        return _refused(error)
    notice = news_mail(db, application, before, portal, profiles, settings.issuer)
    if notice is not None:
        mail.send(notice)
    applicant_sub = subjects.subject_of(db, application.applicant_subject, portal)
    return JSONResponse(_out(application, applicant_sub))


NEXT_PAGE_HEADER = {
    "Link": {
        "description": 'When more applications follow: `<...?limit=N&after=NUMBER>; rel="next"`'
        " (RFC 8288). The last page has none.",
        "schema": {"type": "string"},
    }
}


@router.get(
    "/applications",
    response_model=list[ApplicationOut],
    summary="List this portal's applications, a page at a time",
    description="In application-number order. Follow the `Link` header's `next` URL for the"
    f" next page; `limit` is 1 to {MAX_APPLICATIONS_PAGE} (default {MAX_APPLICATIONS_PAGE}).",
    responses={
        200: {"description": "A page of applications.", "headers": NEXT_PAGE_HEADER},
        **problem_responses(401, 403, 422),
    },
)
def list_applications(
    request: Request,
    portal: WritingPortal,
    db: Db,
    subjects: Subjects,
    limit: Annotated[int, Query(ge=1, le=MAX_APPLICATIONS_PAGE)] = MAX_APPLICATIONS_PAGE,
    after: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="The last application number seen."),
    ] = None,
) -> Response:
    page = applications_of_portal(db, portal.client_id, limit + 1, after)
    applications, more = page[:limit], len(page) > limit
    seen = subjects.subjects_of(db, {a.applicant_subject for a in applications}, portal)
    headers = {}
    if more:
        query = urlencode({"limit": limit, "after": applications[-1].portal_reference})
        headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    return JSONResponse(
        [_out(a, seen.get(a.applicant_subject, a.applicant_subject)) for a in applications],
        headers=headers,
    )


@router.post(
    "/decisions",
    response_model=DecisionOut,
    summary="May this actor do this action on this application now?",
    responses=problem_responses(400, 401, 403, 413, 422),
)
def decision(
    body: DecisionIn, portal: ReadingPortal, db: Db, subjects: Subjects, now: Now
) -> Response:
    application = find_portal_application(db, portal.client_id, body.application_number)
    if application is None:
        DELEGATION_DECISIONS.labels("no_application").inc()
        return JSONResponse(DecisionOut(allowed=False, reason="no_application").model_dump())
    actor = subjects.account_for_subject(db, body.actor_sub, portal)
    if actor is None:  # nobody this portal knows: nobody it may let act
        return JSONResponse(DecisionOut(allowed=False, reason="no_delegation").model_dump())
    result = decide(
        db, actor=actor.subject, action=body.action, application_id=application.id, now=now
    )
    DELEGATION_DECISIONS.labels("allowed" if result.allowed else str(result.reason)).inc()
    out = DecisionOut(
        allowed=result.allowed, reason=result.reason, delegation_id=result.delegation_id
    )
    return JSONResponse(out.model_dump())


@router.get("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    """Swagger UI on the OpenAPI document; its script and style are ours (CSP `'self'`)."""
    return render_page(request, "portal_api/docs.html", {"openapi_url": request.app.openapi_url})
