"""Pages to create an account and to recover one: `/register`, `/register/verify`,
`/recover`, `/recover/verify`. Each refuses bad input beside the field, keeps what the
person typed (never secrets) and says the same whether or not an email has an account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from idp.accounts.registration import (
    confirm_registration,
    finish_recovery,
    start_recovery,
    start_registration,
)
from idp.authn.assurance import ACR_SINGLE_FACTOR, AMR_PASSWORD
from idp.authn.login import count_attempt, over_limit
from idp.authn.routes import complete_sign_in
from idp.errors import InvalidInput
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.pages import render_page
from idp.http.params import read_form
from idp.oauth.errors import OAuth2Error
from idp.oauth.requests import Params
from idp.runtime import Runtime

router = APIRouter()


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _page(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    return render_page(request, template, context, status_code=status_code)


async def _form(request: Request) -> Params | None:
    try:
        form = await read_form(request)
    except OAuth2Error:
        return None
    return form if is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)) else None


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/register")
async def register_form(request: Request) -> Response:
    return _page(request, "accounts/register.html", {"values": {}, "errors": {}})


@router.post("/register")
async def register_submit(request: Request) -> Response:
    runtime = _runtime(request)
    form = await _form(request)
    if form is None:
        return _page(
            request, "accounts/register.html", {"values": {}, "errors": {"name": "csrf"}}, 400
        )
    values = {"name": form.get("name") or "", "email": form.get("email") or ""}
    retry = over_limit(runtime, "register", _address(request))
    if retry:
        return _page(
            request,
            "accounts/register.html",
            {"values": values, "errors": {"email": "rate_limited"}, "retry": retry},
            429,
        )
    count_attempt(runtime, "register", _address(request))
    try:
        await run_in_threadpool(
            start_registration,
            runtime,
            name=values["name"],
            email=values["email"],
            password=form.get("password") or "",
            locale=request.state.locale,
        )
    except InvalidInput as error:
        return _page(
            request,
            "accounts/register.html",
            {"values": values, "errors": {error.field: error.code}},
            400,
        )
    return _page(
        request, "accounts/verify.html", {"email": values["email"].strip().lower(), "error": None}
    )


@router.post("/register/verify")
async def register_verify(request: Request) -> Response:
    runtime = _runtime(request)
    form = await _form(request)
    if form is None:
        return _page(request, "accounts/verify.html", {"email": "", "error": "csrf"}, 400)
    email = (form.get("email") or "").strip().lower()
    account, reason = await run_in_threadpool(
        confirm_registration, runtime, email, form.get("code") or ""
    )
    if account is None:
        return _page(request, "accounts/verify.html", {"email": email, "error": reason}, 400)
    return await run_in_threadpool(
        complete_sign_in, request, account.id, [AMR_PASSWORD], ACR_SINGLE_FACTOR, None
    )


@router.get("/recover")
async def recover_form(request: Request) -> Response:
    return _page(request, "accounts/recover.html", {"email": "", "error": None})


@router.post("/recover")
async def recover_submit(request: Request) -> Response:
    runtime = _runtime(request)
    form = await _form(request)
    if form is None:
        return _page(request, "accounts/recover.html", {"email": "", "error": "csrf"}, 400)
    email = (form.get("email") or "").strip().lower()
    retry = over_limit(runtime, "recover", _address(request)) or over_limit(
        runtime, "recover", email
    )
    if retry:
        return _page(
            request,
            "accounts/recover.html",
            {"email": email, "error": "rate_limited", "retry": retry},
            429,
        )
    count_attempt(runtime, "recover", _address(request))
    count_attempt(runtime, "recover", email)
    await run_in_threadpool(start_recovery, runtime, email, request.state.locale)
    return _page(request, "accounts/recover_verify.html", {"email": email, "errors": {}})


@router.post("/recover/verify")
async def recover_verify(request: Request) -> Response:
    runtime = _runtime(request)
    form = await _form(request)
    if form is None:
        return _page(
            request, "accounts/recover_verify.html", {"email": "", "errors": {"code": "csrf"}}, 400
        )
    email = (form.get("email") or "").strip().lower()
    result = await run_in_threadpool(
        finish_recovery,
        runtime,
        email=email,
        code=form.get("code") or "",
        password=form.get("password") or "",
        second_factor=form.get("second_factor") or "",
    )
    if result.account is None:
        return _page(
            request,
            "accounts/recover_verify.html",
            {"email": email, "errors": {result.error_field: result.error_code}},
            400,
        )
    return RedirectResponse("/login?notice=password_changed", status_code=303)
