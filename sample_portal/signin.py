"""Signing in and out with Passerelle (OpenID Connect, authorization code flow).

- `GET /login`: a fresh `state`, `nonce` and PKCE verifier (S256), kept server-side and
  bound to this browser by a cookie; then off to the provider's authorization endpoint.
- `GET /callback`: the `state` must be the one this browser started, the `iss`
  parameter the provider's (RFC 9207, against mix-up attacks); the code is redeemed with
  the verifier and the ID token checked (signature by the JWKS, `iss`, `aud`, `exp`,
  `nonce`) before a session starts.
- `POST /logout`: ends the local session, then RP-Initiated Logout at the provider with
  `id_token_hint` and our registered `post_logout_redirect_uri` (`GET /signed-out`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from sample_portal.portal import Portal, error_page, portal_of, render
from sample_portal.portal_api import PortalApiError
from sample_portal.provider import Metadata, ProviderRefused
from sample_portal.sessions import (
    PENDING_SIGN_IN_TTL_SECONDS,
    SESSION_TTL_SECONDS,
    PortalSession,
    is_same_secret,
    new_secret,
)
from sample_portal.tokens import TokenRejected, verify_id_token

router = APIRouter()
log = logging.getLogger("sample_portal.signin")


def _pending_cookie(portal: Portal) -> str:
    return f"{portal.config.cookie_name}_signin"


def _set_cookie(portal: Portal, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",  # sent on the provider's redirect back (a top-level GET)
        secure=portal.config.uses_https,
    )


@router.get("/login")
async def start_sign_in(request: Request) -> Response:
    portal = portal_of(request)
    key, pending = portal.sessions.start_sign_in()
    url = await portal.provider.authorization_url(
        state=pending.state, nonce=pending.nonce, code_verifier=pending.code_verifier
    )
    response = RedirectResponse(url, status_code=303)
    _set_cookie(portal, response, _pending_cookie(portal), key, PENDING_SIGN_IN_TTL_SECONDS)
    return response


def _callback_problem(request: Request, metadata: Metadata) -> Response | None:
    """The reasons to refuse an authorization response before redeeming its code."""
    params = request.query_params
    if metadata.iss_parameter_supported and params.get("iss") != metadata.issuer:
        return error_page(
            request, 400, "Sign-in failed", "The answer did not come from Passerelle."
        )
    if params.get("error"):
        detail = (
            "You cancelled the sign-in."
            if params["error"] == "access_denied"
            else f"Passerelle refused the sign-in ({params['error']})."
        )
        return error_page(request, 400, "Sign-in failed", detail)
    if not params.get("code"):
        return error_page(request, 400, "Sign-in failed", "The answer carried no code.")
    return None


@router.get("/callback")
async def finish_sign_in(request: Request) -> Response:
    portal = portal_of(request)
    pending = portal.sessions.finish_sign_in(
        request.cookies.get(_pending_cookie(portal)), request.query_params.get("state")
    )
    if pending is None:
        return error_page(
            request, 400, "Sign-in expired", "This sign-in was not started here or has expired."
        )
    metadata = await portal.provider.metadata()
    problem = _callback_problem(request, metadata)
    if problem is not None:
        return problem
    try:
        token = await portal.provider.redeem_code(
            request.query_params["code"], pending.code_verifier
        )
        keys = await portal.provider.keys_for(token["id_token"])
        claims = verify_id_token(
            token["id_token"],
            keys,
            issuer=metadata.issuer,
            client_id=portal.config.client_id,
            nonce=pending.nonce,
        )
    except (ProviderRefused, TokenRejected) as refused:
        log.warning("sign-in refused: %s", refused)
        return error_page(request, 400, "Sign-in failed", "Passerelle's answer was not valid.")
    if not _meets_assurance(portal, claims):
        return error_page(
            request, 403, "Sign-in too weak", "This portal needs a sign-in with a second factor."
        )
    portal.sessions.end(request.cookies.get(portal.config.cookie_name))  # no session reuse
    session = portal.sessions.create(claims, token["id_token"], token["access_token"])
    await _file_sample_applications(portal, session)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(_pending_cookie(portal), path="/")
    _set_cookie(portal, response, portal.config.cookie_name, session.id, SESSION_TTL_SECONDS)
    return response


def _meets_assurance(portal: Portal, claims: dict[str, Any]) -> bool:
    """`acr_values` is a request, not a guarantee: the ID token's `acr` says what happened."""
    wanted = portal.config.acr_values.split()
    return not wanted or claims.get("acr") in wanted


async def _file_sample_applications(portal: Portal, session: PortalSession) -> None:
    """A real portal registers an application when the person files it; the sample files
    two at sign-in so "My applications" (here and at Passerelle) has something to show."""
    if not portal.config.register_sample_applications:
        return
    try:
        await portal.api.register_sample_applications(session.sub)
    except PortalApiError as error:  # sign-in still succeeds; the page says there are none
        log.warning("sample applications not registered: %s", error)


@router.post("/logout")
async def sign_out(request: Request) -> Response:
    portal = portal_of(request)
    session = portal.session_of(request)
    form = await request.form()
    if session is None or not is_same_secret(form.get("csrf_token"), session.csrf_token):
        return RedirectResponse("/", status_code=303)
    portal.sessions.end(session.id)
    url = await portal.provider.end_session_url(session.id_token, state=new_secret())
    response = RedirectResponse(url, status_code=303)
    response.delete_cookie(portal.config.cookie_name, path="/")
    return response


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    return render(request, "signed_out.html", {"title": "Signed out"})
