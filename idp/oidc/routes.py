"""HTTP routes of the OpenID Connect endpoints: discovery, JWKS, userinfo, logout.

Discovery and the JWKS are normally answered by `idp.http.documents.PublishedDocuments`
before the app runs; the routes here serve the same bytes to what reaches the app (and
give other methods their 405).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, cast

from fastapi import Depends, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from idp.authn.deps import MaybeMe, SessionListener
from idp.authn.sessions import end_session
from idp.authn.web import clear_session_cookie, session_cookie_of
from idp.clients.deps import Profiles, client_names
from idp.clients.profiles import PortalProfiles
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.deps import AppSettings, Db, Keys, Now, Router, shared
from idp.http.documents import Document
from idp.http.locale import prefer_ui_locales
from idp.http.pages import render_page
from idp.http.params import FORM_CONTENT_TYPE, Form, Params, Query, read_form
from idp.oauth.deps import Server
from idp.oidc.frontchannel import logout_frames, signed_out_page
from idp.oidc.logout import LogoutRejected, LogoutRequest, validate_logout_request
from idp.oidc.userinfo import answer_userinfo

router = Router()
DISCOVERY_PATHS = ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server")


def _document(request: Request, name: str, media_type: str, cache: str) -> Response:
    body = cast(Document, shared(request, name)).current()
    return Response(body, media_type=media_type, headers={"Cache-Control": cache})


@router.get(DISCOVERY_PATHS[0])
@router.get(DISCOVERY_PATHS[1])
async def discovery(request: Request) -> Response:
    return _document(request, "discovery", "application/json", "public, max-age=3600")


@router.get("/jwks")
async def jwks(request: Request) -> Response:
    return _document(request, "jwks", "application/jwk-set+json", "public, max-age=300")


async def body_access_tokens(request: Request) -> list[str]:
    """RFC 6750 section 2.2: `access_token` in a form-encoded body (read without blocking)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        return []
    return (await read_form(request)).all.get("access_token", [])


BodyTokens = Annotated[list[str], Depends(body_access_tokens)]


def _userinfo(
    request: Request,
    db: Db,
    server: Server,
    now: Now,
    profiles: PortalProfiles,
    body_tokens: Sequence[str] = (),
) -> Response:
    authorization = request.headers.get("authorization")
    tokens = server.config.tokens
    answer = answer_userinfo(
        db, server.keyring, tokens, authorization, now, server.subjects, profiles, body_tokens
    )
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    if answer.challenge:
        headers["WWW-Authenticate"] = answer.challenge
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.get("/userinfo")
def userinfo_get(
    request: Request, db: Db, server: Server, now: Now, profiles: Profiles
) -> Response:
    return _userinfo(request, db, server, now, profiles)


@router.post("/userinfo")
def userinfo_post(
    request: Request,
    body_tokens: BodyTokens,
    db: Db,
    server: Server,
    now: Now,
    profiles: Profiles,
) -> Response:
    return _userinfo(request, db, server, now, profiles, body_tokens)


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


def _logout(
    request: Request,
    params: Params,
    db: Db,
    keys: Keys,
    settings: AppSettings,
    me: MaybeMe,
    listener: SessionListener,
    profiles: PortalProfiles,
    now: Now,
    *,
    confirmed: bool,
) -> Response:
    # RP-Initiated Logout 1.0 section 2: the portal's `ui_locales` holds on the posted
    # confirmation too, whose query no longer carries it.
    prefer_ui_locales(request.state, request.query_params.get("lang"), params.get("ui_locales"))
    try:
        logout = validate_logout_request(db, keys, settings.issuer, params, now)
    except LogoutRejected as rejected:
        return _logout_error(request, rejected.description)
    if me is None or confirmed or (logout.hint_sid and logout.hint_sid == me.session.sid):
        return _signed_out(request, logout, db, settings, listener, profiles, now)
    hidden = {
        k: v
        for k, v in params.first.items()
        if k in ("id_token_hint", "post_logout_redirect_uri", "state", "client_id", "ui_locales")
    }
    context = {"client_names": client_names(request, logout.client), "hidden": hidden}
    # RFC 8252 §7.1: the confirmed sign-out may end at the native app's private-use URI.
    uri = params.get("post_logout_redirect_uri") if logout.redirect_to else None
    schemes = logout.client.form_action_schemes(uri, logout=True) if logout.client else ()
    return render_page(request, "oidc/logout_confirm.html", context, form_action_schemes=schemes)


def _signed_out(
    request: Request,
    logout: LogoutRequest,
    db: Db,
    settings: AppSettings,
    listener: SessionListener,
    profiles: PortalProfiles,
    now: Now,
) -> Response:
    cookie = session_cookie_of(request, settings)
    ended = end_session(db, cookie, reason="logout", now=now, listener=listener)
    frames = (
        logout_frames(db, profiles, settings.issuer, ended.client_ids, ended.sid) if ended else []
    )
    response: Response
    if logout.redirect_to and not frames:
        response = RedirectResponse(logout.redirect_to, status_code=303)
    else:  # Front-Channel Logout: the frames load first, then the page continues
        response = signed_out_page(request, frames, logout.redirect_to)
    clear_session_cookie(response, secure=settings.cookie_secure)
    return response


@router.get("/logout")
def logout_get(
    request: Request,
    query: Query,
    db: Db,
    keys: Keys,
    settings: AppSettings,
    me: MaybeMe,
    listener: SessionListener,
    profiles: Profiles,
    now: Now,
) -> Response:
    return _logout(request, query, db, keys, settings, me, listener, profiles, now, confirmed=False)


@router.post("/logout")
def logout_post(
    request: Request,
    form: Form,
    db: Db,
    keys: Keys,
    settings: AppSettings,
    me: MaybeMe,
    listener: SessionListener,
    profiles: Profiles,
    now: Now,
) -> Response:
    confirmed = is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD))
    params = form.without(CSRF_FIELD)
    return _logout(
        request, params, db, keys, settings, me, listener, profiles, now, confirmed=confirmed
    )
