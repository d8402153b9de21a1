"""Sign-in pages: `/login` (password), `/login/second-factor` (TOTP, recovery code),
and `/account`. Passkeys sign in through `idp/authn/webauthn_routes.py`."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from idp.accounts.models import Account
from idp.authn.assurance import ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, AMR_PASSWORD
from idp.authn.login import check_password_login, find_signed_in_account
from idp.authn.mails import notice_mail
from idp.authn.recovery_codes import use_recovery_code
from idp.authn.sessions import SESSION_COOKIE
from idp.authn.signin import (
    PENDING_COOKIE,
    PENDING_TTL_SECONDS,
    PendingSignIn,
    PendingSignIns,
    second_factors,
)
from idp.authn.totp import verify_totp
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.locale import prefer_ui_locales
from idp.http.pages import render_page
from idp.http.params import read_form, read_query
from idp.oauth.clients import find_client
from idp.oauth.errors import OAuth2Error
from idp.oauth.interactions import Interaction, Interactions
from idp.oauth.requests import Params
from idp.runtime import Runtime

router = APIRouter()
MAX_SECOND_FACTOR_FAILURES = 5


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _interactions(runtime: Runtime) -> Interactions:
    return Interactions(runtime.store, runtime.settings.interaction_ttl_seconds)


def _client_name(runtime: Runtime, interaction: Interaction | None) -> str | None:
    if interaction is None:
        return None
    client_id = Params(all=interaction.params).get("client_id") or ""
    with runtime.transaction() as db:
        client = find_client(db, client_id)
        return client.name if client else None


def _login_page(
    request: Request,
    interaction: Interaction | None,
    *,
    email: str = "",
    error_code: str | None = None,
    retry_after_seconds: int = 0,
    status_code: int = 200,
) -> Response:
    runtime = _runtime(request)
    if interaction is not None:
        prefer_ui_locales(
            request.state,
            request.query_params.get("lang"),
            Params(all=interaction.params).get("ui_locales"),
        )
    return render_page(
        request,
        "authn/login.html",
        {
            "interaction": interaction.id if interaction else "",
            "email": email,
            "error_code": error_code,
            "retry_after_seconds": retry_after_seconds,
            "client_name": _client_name(runtime, interaction),
            "notice": request.query_params.get("notice"),
        },
        status_code=status_code,
    )


@router.get("/login")
async def login_form(request: Request) -> Response:
    runtime = _runtime(request)
    try:
        query = read_query(request)
    except OAuth2Error:
        query = Params(all={})
    interaction = _interactions(runtime).find(query.get("interaction"))
    hint = Params(all=interaction.params).get("login_hint") if interaction else None
    return await run_in_threadpool(_login_page, request, interaction, email=hint or "")


def _after_sign_in_target(runtime: Runtime, interaction_id: str | None) -> str:
    interactions = _interactions(runtime)
    interaction = interactions.find(interaction_id)
    if interaction is None:
        return "/account"
    interactions.save(replace(interaction, login_done=True))
    return f"/authorize/resume?interaction={interaction.id}"


def complete_sign_in(
    request: Request, account_id: str, amr: list[str], acr: str, interaction_id: str | None
) -> Response:
    """Start a fresh session (a planted cookie never becomes authenticated: session
    fixation) and continue where the person was going."""
    runtime = _runtime(request)
    runtime.browser_sessions.end(request.cookies.get(SESSION_COOKIE), reason="replaced")
    cookie_value, _ = runtime.browser_sessions.start(
        account_id,
        amr,
        acr,
        runtime.clock.now(),
        user_agent=request.headers.get("user-agent", ""),
        ip=request.client.host if request.client else "",
    )
    response = RedirectResponse(_after_sign_in_target(runtime, interaction_id), status_code=303)
    set_session_cookie(runtime, response, cookie_value)
    response.delete_cookie(
        PENDING_COOKIE,
        path="/",
        secure=runtime.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


def set_session_cookie(runtime: Runtime, response: Response, cookie_value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        max_age=runtime.settings.session_ttl_seconds,
        httponly=True,
        secure=runtime.settings.cookie_secure,
        samesite="lax",
        path="/",
    )


def _start_second_factor(
    runtime: Runtime, account_id: str, interaction_id: str | None, *, step_up: bool = False
) -> Response:
    pending = PendingSignIns(runtime.store).start(
        account_id, [AMR_PASSWORD] if not step_up else [], interaction_id, step_up=step_up
    )
    response = RedirectResponse("/login/second-factor", status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        pending.id,
        max_age=PENDING_TTL_SECONDS,
        httponly=True,
        secure=runtime.settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


def _has_second_factor(runtime: Runtime, account_id: str) -> bool:
    with runtime.transaction() as db:
        return second_factors(db, account_id).any


@router.post("/login")
async def login_submit(request: Request) -> Response:
    runtime = _runtime(request)
    try:
        form = await read_form(request)
    except OAuth2Error:
        return await run_in_threadpool(
            _login_page, request, None, error_code="invalid_request", status_code=400
        )
    interaction = _interactions(runtime).find(form.get("interaction"))
    email = form.get("email") or ""
    if not is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)):
        return await run_in_threadpool(
            _login_page, request, interaction, email=email, error_code="csrf", status_code=400
        )
    address = request.client.host if request.client else "unknown"
    result = await run_in_threadpool(
        check_password_login, runtime, email, form.get("password") or "", address
    )
    if result.account_id is None:
        status = 429 if result.error_code == "rate_limited" else 401
        response = await run_in_threadpool(
            _login_page,
            request,
            interaction,
            email=email,
            error_code=result.error_code,
            retry_after_seconds=result.retry_after_seconds,
            status_code=status,
        )
        if status == 429:
            response.headers["Retry-After"] = str(result.retry_after_seconds)
        return response
    interaction_id = interaction.id if interaction else None
    if await run_in_threadpool(_has_second_factor, runtime, result.account_id):
        return _start_second_factor(runtime, result.account_id, interaction_id)
    return await run_in_threadpool(
        complete_sign_in,
        request,
        result.account_id,
        [AMR_PASSWORD],
        ACR_SINGLE_FACTOR,
        interaction_id,
    )


def _second_factor_page(
    request: Request,
    pending: PendingSignIn,
    *,
    error_code: str | None = None,
    status_code: int = 200,
    method: str = "totp",
) -> Response:
    runtime = _runtime(request)
    with runtime.transaction() as db:
        factors = second_factors(db, pending.account_id)
    interaction = _interactions(runtime).find(pending.interaction_id)
    if interaction is not None:
        prefer_ui_locales(
            request.state,
            request.query_params.get("lang"),
            Params(all=interaction.params).get("ui_locales"),
        )
    return render_page(
        request,
        "authn/second_factor.html",
        {
            "factors": factors,
            "error_code": error_code,
            "method": "recovery" if request.query_params.get("method") == "recovery" else method,
        },
        status_code=status_code,
    )


def _pending(request: Request) -> PendingSignIn | None:
    return PendingSignIns(_runtime(request).store).find(request.cookies.get(PENDING_COOKIE))


@router.get("/login/second-factor")
async def second_factor_form(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    return await run_in_threadpool(_second_factor_page, request, pending)


def _check_second_factor(
    runtime: Runtime, pending: PendingSignIn, method: str, code: str
) -> tuple[bool, Account | None]:
    now = runtime.clock.now()
    with runtime.transaction() as db:
        if method == "recovery":
            ok = use_recovery_code(db, pending.account_id, code, now)
        else:
            ok = verify_totp(db, runtime.master_key, pending.account_id, code, now)
        return ok, db.get(Account, pending.account_id)


@router.post("/login/second-factor")
async def second_factor_submit(request: Request) -> Response:
    runtime = _runtime(request)
    pending = _pending(request)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    try:
        form = await read_form(request)
    except OAuth2Error:
        form = Params(all={})
    method = "recovery" if form.get("method") == "recovery" else "totp"
    if not is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)):
        return await run_in_threadpool(
            _second_factor_page, request, pending, error_code="csrf", status_code=400, method=method
        )
    ok, account = await run_in_threadpool(
        _check_second_factor, runtime, pending, method, form.get("code") or ""
    )
    pending_store = PendingSignIns(runtime.store)
    if not ok or account is None:
        failures = pending.failures + 1
        if failures >= MAX_SECOND_FACTOR_FAILURES:
            pending_store.finish(pending.id)
            return RedirectResponse("/login?notice=too_many_attempts", status_code=303)
        pending_store.save(replace(pending, failures=failures))
        return await run_in_threadpool(
            _second_factor_page,
            request,
            pending,
            error_code="wrong_code",
            status_code=401,
            method=method,
        )
    pending_store.finish(pending.id)
    if method == "recovery":
        runtime.mailer.send(notice_mail(account.email, account.locale, "recovery_code_used"))
    amr = [*pending.amr, "otp"]
    if pending.step_up:
        return await run_in_threadpool(
            finish_step_up, request, amr, pending.interaction_id, pending.extra.get("return_to")
        )
    return await run_in_threadpool(
        complete_sign_in, request, account.id, amr, ACR_MULTI_FACTOR, pending.interaction_id
    )


def finish_step_up(
    request: Request, amr: list[str], interaction_id: str | None, return_to: str | None = None
) -> Response:
    runtime = _runtime(request)
    cookie = request.cookies.get(SESSION_COOKIE) or ""
    runtime.browser_sessions.step_up(cookie, amr, ACR_MULTI_FACTOR)
    target = return_to if interaction_id is None and return_to else None
    response = RedirectResponse(
        target or _after_sign_in_target(runtime, interaction_id), status_code=303
    )
    response.delete_cookie(
        PENDING_COOKIE,
        path="/",
        secure=runtime.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


def start_step_up(
    runtime: Runtime, account_id: str, interaction_id: str | None, return_to: str | None = None
) -> Response:
    response = _start_second_factor(runtime, account_id, interaction_id, step_up=True)
    if return_to:
        pendings = PendingSignIns(runtime.store)
        pending_id = response.headers["set-cookie"].split("=", 1)[1].split(";", 1)[0]
        pending = pendings.find(pending_id)
        if pending is not None:
            pendings.save(replace(pending, extra={"return_to": return_to}))
    return response


CONSOLE_RETURN_PATHS = ("/account/representatives/new",)


@router.get("/account/step-up")
async def console_step_up(request: Request) -> Response:
    """Prove a second factor again before a sensitive change (granting a delegation)."""
    runtime = _runtime(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if browser is None:
        return RedirectResponse("/login", status_code=303)
    target = request.query_params.get("return", "")
    return_to = target if target in CONSOLE_RETURN_PATHS else "/account"
    return start_step_up(runtime, browser.account_id, None, return_to)


@router.get("/account")
async def account_home(request: Request) -> Response:
    runtime = _runtime(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    account = (
        await run_in_threadpool(find_signed_in_account, runtime, browser.account_id)
        if browser
        else None
    )
    if account is None:
        return RedirectResponse("/login", status_code=303)
    return render_page(request, "account/home.html", {"name": account.name, "email": account.email})


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/account", status_code=303)
