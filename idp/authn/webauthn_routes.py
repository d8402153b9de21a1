"""JSON endpoints the passkey script calls, and the passkey management forms.

Every JSON call carries the page's CSRF token in `X-CSRF-Token` (the script reads it from
the page's meta tag); refusals are `application/problem+json` naming the reason.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from idp.accounts.models import Account
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.mails import notice_mail
from idp.authn.routes import complete_sign_in, finish_step_up
from idp.authn.sessions import SESSION_COOKIE
from idp.authn.signin import PENDING_COOKIE, PendingSignIns
from idp.authn.webauthn import (
    PasskeyRejected,
    RelyingParty,
    authenticate_passkey,
    authentication_options,
    register_passkey,
    registration_options,
    remove_passkey,
    rename_passkey,
)
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.errors import problem
from idp.http.params import read_body, read_form
from idp.oauth.errors import OAuth2Error
from idp.runtime import Runtime

router = APIRouter()
MAX_JSON_BYTES = 64 * 1024


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _rp(runtime: Runtime) -> RelyingParty:
    return RelyingParty.from_issuer(runtime.settings.issuer)


async def _json(request: Request) -> dict[str, Any] | Response:
    if not is_valid_csrf(request.state.csrf_token, request.headers.get("x-csrf-token")):
        return problem(403, "csrf", "Forbidden", "X-CSRF-Token is missing or wrong")
    try:
        data = json.loads(await read_body(request) or b"{}")
    except (OAuth2Error, ValueError):
        return problem(
            400,
            "invalid_json",
            "Invalid input",
            f"the body must be a JSON object of at most {MAX_JSON_BYTES} bytes",
        )
    if not isinstance(data, dict):
        return problem(400, "invalid_json", "Invalid input", "the body must be a JSON object")
    return data


def _rejected(error: PasskeyRejected) -> Response:
    return problem(
        400, f"passkey_{error.reason}", "Passkey refused", error.reason.replace("_", " ")
    )


@router.post("/webauthn/register/options")
async def register_options(request: Request) -> Response:
    runtime = _runtime(request)
    data = await _json(request)
    if isinstance(data, Response):
        return data
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if browser is None:
        return problem(401, "not_signed_in", "Sign in first", "a signed-in session is required")

    def work() -> str:
        with runtime.transaction() as db:
            account = db.get(Account, browser.account_id)
            assert account is not None  # a live session has an account
            return registration_options(db, runtime.store, _rp(runtime), account)

    try:
        options = await run_in_threadpool(work)
    except PasskeyRejected as error:
        return _rejected(error)
    return Response(options, media_type="application/json")


@router.post("/webauthn/register/verify")
async def register_verify(request: Request) -> Response:
    runtime = _runtime(request)
    data = await _json(request)
    if isinstance(data, Response):
        return data
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if browser is None:
        return problem(401, "not_signed_in", "Sign in first", "a signed-in session is required")
    credential, name = data.get("credential"), data.get("name")
    if not isinstance(credential, dict) or not isinstance(name, str):
        return problem(
            400,
            "validation_error",
            "Invalid input",
            "credential and name are required",
            errors=[{"field": "credential", "message": "required", "limit": None}],
        )

    def work() -> Account | None:
        with runtime.transaction() as db:
            register_passkey(
                db,
                runtime.store,
                _rp(runtime),
                browser.account_id,
                credential,
                name,
                runtime.clock.now(),
            )
            return db.get(Account, browser.account_id)

    try:
        account = await run_in_threadpool(work)
    except PasskeyRejected as error:
        return _rejected(error)
    if account is not None:
        runtime.mailer.send(notice_mail(account.email, account.locale, "passkey_added"))
    return JSONResponse({"redirect": "/account/security?notice=passkey_added"})


@router.post("/webauthn/authenticate/options")
async def authenticate_options(request: Request) -> Response:
    runtime = _runtime(request)
    data = await _json(request)
    if isinstance(data, Response):
        return data
    pending = PendingSignIns(runtime.store).find(request.cookies.get(PENDING_COOKIE))
    account_id = pending.account_id if data.get("mode") == "second-factor" and pending else None

    def work() -> tuple[str, str]:
        with runtime.transaction() as db:
            return authentication_options(db, runtime.store, _rp(runtime), account_id)

    options, challenge_id = await run_in_threadpool(work)
    body = json.loads(options)
    body["challengeId"] = challenge_id
    return JSONResponse(body)


@router.post("/webauthn/authenticate/verify")
async def authenticate_verify(request: Request) -> Response:
    runtime = _runtime(request)
    data = await _json(request)
    if isinstance(data, Response):
        return data
    credential, challenge_id = data.get("credential"), data.get("challengeId")
    if not isinstance(credential, dict) or not isinstance(challenge_id, str):
        return problem(
            400, "validation_error", "Invalid input", "credential and challengeId are required"
        )

    def work() -> Any:
        with runtime.transaction() as db:
            return authenticate_passkey(
                db, runtime.store, _rp(runtime), challenge_id, credential, runtime.clock.now()
            )

    try:
        signed = await run_in_threadpool(work)
    except PasskeyRejected as error:
        return _rejected(error)
    pendings = PendingSignIns(runtime.store)
    pending = pendings.find(request.cookies.get(PENDING_COOKIE))
    if pending is not None and pending.account_id == signed.account_id:
        pendings.finish(pending.id)
        amr = [*pending.amr, *signed.amr]
        if pending.step_up:
            redirect = await run_in_threadpool(
                finish_step_up, request, amr, pending.interaction_id, pending.extra.get("return_to")
            )
        else:
            redirect = await run_in_threadpool(
                complete_sign_in,
                request,
                signed.account_id,
                amr,
                ACR_MULTI_FACTOR,
                pending.interaction_id,
            )
    else:
        interaction = data.get("interaction") if isinstance(data.get("interaction"), str) else None
        redirect = await run_in_threadpool(
            complete_sign_in,
            request,
            signed.account_id,
            signed.amr,
            ACR_MULTI_FACTOR,
            interaction or None,
        )
    response = JSONResponse({"redirect": redirect.headers["location"]})
    for key, value in redirect.headers.items():
        if key == "set-cookie":
            response.headers.append("set-cookie", value)
    return response


async def _manage(request: Request, action: str) -> Response:
    runtime = _runtime(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    try:
        form = await read_form(request)
    except OAuth2Error:
        return RedirectResponse("/account/security", status_code=303)
    if browser is None or not is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)):
        return RedirectResponse("/account/security", status_code=303)
    credential_id, name = form.get("credential_id") or "", form.get("name") or ""

    def work() -> tuple[bool, Account | None]:
        with runtime.transaction() as db:
            if action == "rename":
                done = rename_passkey(db, browser.account_id, credential_id, name)
            else:
                done = remove_passkey(db, browser.account_id, credential_id)
            return done, db.get(Account, browser.account_id)

    done, account = await run_in_threadpool(work)
    if done and action == "remove" and account is not None:
        runtime.mailer.send(notice_mail(account.email, account.locale, "passkey_removed"))
    notice = f"passkey_{'renamed' if action == 'rename' else 'removed'}" if done else ""
    return RedirectResponse(f"/account/security?notice={notice}", status_code=303)


@router.post("/account/security/passkeys/rename")
async def passkey_rename(request: Request) -> Response:
    return await _manage(request, "rename")


@router.post("/account/security/passkeys/remove")
async def passkey_remove(request: Request) -> Response:
    return await _manage(request, "remove")
