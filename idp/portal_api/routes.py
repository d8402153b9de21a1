"""The portal API (`/api/...`): portals authenticate with client-credentials access tokens.

- `POST /api/applications` (scope `applications:write`, `Idempotency-Key` honoured):
  register an application for an applicant named by `sub` or by the login hint the portal
  received; `PATCH /api/applications/{number}` updates status and unread count;
  `GET /api/applications` lists the portal's applications.
- `POST /api/decisions` (scope `delegations:read`): may this actor do this action on this
  application now? Errors are `application/problem+json` naming the field.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from typing import Any

from fastapi import APIRouter, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from consent import (
    ApplicationChange,
    ConsentError,
    applications_of_portal,
    decide,
    find_portal_application,
    register_application,
    update_application,
)
from consent.models import Application
from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.http.errors import problem
from idp.oauth.tokens import read_access_token
from idp.oidc.userinfo import bearer_token
from idp.portal_api.models import IdempotencyRecord
from idp.portal_api.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    DecisionIn,
    DecisionOut,
    problem_responses,
)
from idp.runtime import Runtime

router = APIRouter(prefix="/api", tags=["portal API"])
MAX_IDEMPOTENCY_KEY_LENGTH = 128


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


class Unauthorized(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _portal(runtime: Runtime, authorization: str | None, scope: str) -> str:
    """The calling portal's client id, from a client-credentials token with `scope`."""
    token = bearer_token(authorization)
    if token is None:
        raise Unauthorized(_challenge(401, "invalid_token", "a Bearer access token is required"))
    with runtime.transaction() as db:
        claims = read_access_token(
            db, runtime.keyring, runtime.token_policy, token, runtime.clock.now()
        )
    if claims is None or claims.get("sub") != claims.get("client_id"):
        raise Unauthorized(
            _challenge(401, "invalid_token", "the token is not an active portal token")
        )
    if scope not in str(claims.get("scope", "")).split():
        raise Unauthorized(_challenge(403, "insufficient_scope", f"the token lacks scope {scope}"))
    return str(claims["client_id"])


def _challenge(status: int, error: str, detail: str) -> Response:
    response = problem(status, error, "Unauthorized" if status == 401 else "Forbidden", detail)
    response.headers["WWW-Authenticate"] = f'Bearer realm="passerelle", error="{error}"'
    return response


def _out(application: Application) -> dict[str, Any]:
    return ApplicationOut(
        id=application.id,
        application_number=application.portal_reference,
        program=application.program,
        status=application.status,
        unread_count=application.unread_count,
        deep_link=application.deep_link,
        applicant_sub=application.applicant_subject,
        # SQLite gives back naive datetimes; RFC 3339 (OpenAPI date-time) needs the offset.
        updated_at=application.updated_at.replace(tzinfo=application.updated_at.tzinfo or UTC),
    ).model_dump(mode="json")


def _register(runtime: Runtime, portal: str, body: ApplicationIn, key: str | None) -> Response:
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    now = runtime.clock.now()
    with runtime.transaction() as db:
        if key:
            record = db.get(IdempotencyRecord, (portal, key))
            if record is not None:
                if record.request_digest != digest:
                    return problem(
                        422,
                        "idempotency_key_reused",
                        "Invalid input",
                        "this Idempotency-Key was used with another body",
                        errors=[{"field": "Idempotency-Key", "message": "reused", "limit": None}],
                    )
                return JSONResponse(record.body, status_code=record.status_code)
        subject = _applicant_subject(db, body)
        if subject is None:
            return problem(
                422,
                "unknown_applicant",
                "Invalid input",
                "no account matches applicant.sub or applicant.login_hint",
                errors=[{"field": "applicant", "message": "unknown", "limit": None}],
            )
        application, created = register_application(
            db,
            portal_client_id=portal,
            portal_reference=body.application_number,
            program=body.program,
            applicant_subject=subject,
            status=body.status,
            unread_count=body.unread_count,
            deep_link=body.deep_link,
            now=now,
        )
        status_code = 201 if created else 200
        payload = _out(application)
        if key:
            db.add(
                IdempotencyRecord(
                    client_id=portal,
                    key=key,
                    request_digest=digest,
                    status_code=status_code,
                    body=payload,
                    created_at=now,
                )
            )
        return JSONResponse(payload, status_code=status_code)


def _applicant_subject(db: Any, body: ApplicationIn) -> str | None:
    if body.applicant.sub:
        from sqlalchemy import select

        found = db.scalar(select(Account.subject).where(Account.subject == body.applicant.sub))
        return str(found) if found else None
    if body.applicant.login_hint:
        account = find_account_by_email(db, body.applicant.login_hint)
        return account.subject if account else None
    return None


@router.post(
    "/applications",
    status_code=201,
    response_model=ApplicationOut,
    summary="Register an application for an applicant",
    responses={
        200: {"model": ApplicationOut, "description": "It was already registered: no duplicate."},
        **problem_responses(400, 401, 403, 422),
    },
)
async def create_application(
    request: Request,
    body: ApplicationIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=MAX_IDEMPOTENCY_KEY_LENGTH
    ),
) -> Response:
    runtime = _runtime(request)
    try:
        portal = await run_in_threadpool(
            _portal, runtime, request.headers.get("authorization"), "applications:write"
        )
        return await run_in_threadpool(_register, runtime, portal, body, idempotency_key)
    except Unauthorized as refused:
        return refused.response
    except ConsentError as error:
        return _consent_problem(error)


def _consent_problem(error: ConsentError) -> Response:
    return problem(
        422,
        error.code,
        "Invalid input",
        error.message,
        errors=[{"field": error.field, "message": error.message, "limit": None}],
    )


@router.patch(
    "/applications/{application_number}",
    response_model=ApplicationOut,
    summary="Update an application's status or unread count",
    responses=problem_responses(400, 401, 403, 404, 422),
)
async def patch_application(
    request: Request, application_number: str, body: ApplicationPatch
) -> Response:
    runtime = _runtime(request)

    def work(portal: str) -> Response:
        with runtime.transaction() as db:
            application = find_portal_application(db, portal, application_number[:64])
            if application is None:
                return problem(
                    404,
                    "application_not_found",
                    "Not found",
                    f"no application {application_number!r} at this portal",
                )
            update_application(
                application,
                ApplicationChange(
                    status=body.status, unread_count=body.unread_count, deep_link=body.deep_link
                ),
                runtime.clock.now(),
            )
            return JSONResponse(_out(application))

    try:
        portal = await run_in_threadpool(
            _portal, runtime, request.headers.get("authorization"), "applications:write"
        )
        return await run_in_threadpool(work, portal)
    except Unauthorized as refused:
        return refused.response
    except ConsentError as error:
        return _consent_problem(error)


@router.get(
    "/applications",
    response_model=list[ApplicationOut],
    summary="List this portal's applications",
    responses=problem_responses(401, 403),
)
async def list_applications(request: Request) -> Response:
    runtime = _runtime(request)

    def work(portal: str) -> Response:
        with runtime.transaction() as db:
            return JSONResponse([_out(a) for a in applications_of_portal(db, portal)])

    try:
        portal = await run_in_threadpool(
            _portal, runtime, request.headers.get("authorization"), "applications:write"
        )
    except Unauthorized as refused:
        return refused.response
    return await run_in_threadpool(work, portal)


@router.post(
    "/decisions",
    response_model=DecisionOut,
    summary="May this actor do this action on this application now?",
    responses=problem_responses(400, 401, 403, 422),
)
async def decision(request: Request, body: DecisionIn) -> Response:
    runtime = _runtime(request)

    def work(portal: str) -> Response:
        with runtime.transaction() as db:
            application = find_portal_application(db, portal, body.application_number)
            if application is None:
                return JSONResponse(
                    DecisionOut(allowed=False, reason="no_application").model_dump()
                )
            result = decide(
                db,
                actor=body.actor_sub,
                action=body.action,
                application_id=application.id,
                now=runtime.clock.now(),
            )
            return JSONResponse(
                DecisionOut(
                    allowed=result.allowed, reason=result.reason, delegation_id=result.delegation_id
                ).model_dump()
            )

    try:
        portal = await run_in_threadpool(
            _portal, runtime, request.headers.get("authorization"), "delegations:read"
        )
    except Unauthorized as refused:
        return refused.response
    return await run_in_threadpool(work, portal)
