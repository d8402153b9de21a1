"""HTTP routes of the OpenID Connect endpoints: discovery, JWKS, userinfo, logout."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, RedirectResponse, Response

from idp.authn.sessions import SESSION_COOKIE
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.pages import render_page
from idp.http.params import read_form, read_query
from idp.oauth.errors import OAuth2Error
from idp.oauth.requests import Params
from idp.oidc.discovery import provider_metadata
from idp.oidc.logout import LogoutRejected, LogoutRequest, validate_logout_request
from idp.oidc.userinfo import answer_userinfo
from idp.runtime import Runtime
from keys import public_jwks

router = APIRouter()
JWKS_CACHE_SECONDS = 300


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("/.well-known/openid-configuration")
async def discovery(request: Request) -> Response:
    return JSONResponse(
        provider_metadata(_runtime(request).settings.issuer),
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/.well-known/oauth-authorization-server")
async def oauth_metadata(request: Request) -> Response:
    return await discovery(request)


def _jwks(runtime: Runtime) -> dict[str, object]:
    with runtime.transaction() as db:
        return public_jwks(db, runtime.clock.now())


@router.get("/jwks")
async def jwks(request: Request) -> Response:
    document = await run_in_threadpool(_jwks, _runtime(request))
    return JSONResponse(
        document,
        media_type="application/jwk-set+json",
        headers={"Cache-Control": f"public, max-age={JWKS_CACHE_SECONDS}"},
    )


async def _userinfo(request: Request) -> Response:
    answer = await run_in_threadpool(
        answer_userinfo, _runtime(request), request.headers.get("authorization")
    )
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if answer.challenge:
        headers["WWW-Authenticate"] = answer.challenge
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.get("/userinfo")
async def userinfo_get(request: Request) -> Response:
    return await _userinfo(request)


@router.post("/userinfo")
async def userinfo_post(request: Request) -> Response:
    return await _userinfo(request)


def _logout_error(request: Request, detail: str) -> Response:
    return render_page(
        request,
        "errors/error.html",
        {
            "status_code": 400,
            "title_msgid": "This request cannot be completed",
            "message_msgid": "The portal that sent you here made an invalid request. "
            "Go back to the portal and try again.",
            "detail": detail,
        },
        status_code=400,
    )


def _signed_out(request: Request, logout: LogoutRequest) -> Response:
    runtime = _runtime(request)
    runtime.browser_sessions.end(request.cookies.get(SESSION_COOKIE))
    response: Response
    if logout.redirect_to:
        response = RedirectResponse(logout.redirect_to, status_code=303)
    else:
        response = render_page(request, "oidc/logged_out.html", {})
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=runtime.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


async def _logout(request: Request, params: Params, *, confirmed: bool) -> Response:
    runtime = _runtime(request)
    try:
        logout = await run_in_threadpool(validate_logout_request, runtime, params)
    except LogoutRejected as rejected:
        return _logout_error(request, rejected.description)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if browser is None or confirmed or (logout.hint_sid and logout.hint_sid == browser.sid):
        return _signed_out(request, logout)
    hidden = {
        k: v
        for k, v in params.first.items()
        if k in ("id_token_hint", "post_logout_redirect_uri", "state", "client_id")
    }
    return render_page(
        request, "oidc/logout_confirm.html", {"client_name": logout.client_name, "hidden": hidden}
    )


@router.get("/logout")
async def logout_get(request: Request) -> Response:
    try:
        params = read_query(request)
    except OAuth2Error as error:
        return _logout_error(request, error.get_error_description())
    return await _logout(request, params, confirmed=False)


@router.post("/logout")
async def logout_post(request: Request) -> Response:
    try:
        params = await read_form(request)
    except OAuth2Error as error:
        return _logout_error(request, error.get_error_description())
    confirmed = is_valid_csrf(request.state.csrf_token, params.get(CSRF_FIELD))
    fields = Params(all={k: v for k, v in params.all.items() if k != CSRF_FIELD})
    return await _logout(request, fields, confirmed=confirmed)
