"""Sign-in and account pages: `/login` (GET form, POST credentials) and `/account`."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from idp.authn.assurance import ACR_SINGLE_FACTOR, AMR_PASSWORD
from idp.authn.login import check_password_login, find_signed_in_account
from idp.authn.sessions import SESSION_COOKIE
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.locale import prefer_ui_locales
from idp.http.params import read_form, read_query
from idp.oauth.clients import find_client
from idp.oauth.errors import OAuth2Error
from idp.oauth.interactions import Interaction, Interactions
from idp.oauth.requests import Params
from idp.runtime import Runtime

router = APIRouter()


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


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
    return request.app.state.pages.render(  # type: ignore[no-any-return]
        request,
        "authn/login.html",
        {
            "interaction": interaction.id if interaction else "",
            "email": email,
            "error_code": error_code,
            "retry_after_seconds": retry_after_seconds,
            "client_name": _client_name(runtime, interaction),
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
    interactions = Interactions(runtime.store, runtime.settings.interaction_ttl_seconds)
    interaction = interactions.find(query.get("interaction"))
    hint = Params(all=interaction.params).get("login_hint") if interaction else None
    return await run_in_threadpool(_login_page, request, interaction, email=hint or "")


@router.post("/login")
async def login_submit(request: Request) -> Response:
    runtime = _runtime(request)
    try:
        form = await read_form(request)
    except OAuth2Error:
        return await run_in_threadpool(
            _login_page, request, None, error_code="invalid_request", status_code=400
        )
    interactions = Interactions(runtime.store, runtime.settings.interaction_ttl_seconds)
    interaction = interactions.find(form.get("interaction"))
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
    # A new session id at every sign-in: a planted cookie never becomes authenticated
    # (session fixation).
    runtime.browser_sessions.end(request.cookies.get(SESSION_COOKIE))
    cookie_value, _ = runtime.browser_sessions.start(
        result.account_id, [AMR_PASSWORD], ACR_SINGLE_FACTOR, runtime.clock.now()
    )
    if interaction is not None:
        interactions.save(replace(interaction, login_done=True))
        target = f"/authorize/resume?interaction={interaction.id}"
    else:
        target = "/account"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        max_age=runtime.settings.session_ttl_seconds,
        httponly=True,
        secure=runtime.settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response


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
    return request.app.state.pages.render(  # type: ignore[no-any-return]
        request, "account/home.html", {"name": account.name, "email": account.email}
    )


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/account", status_code=303)
