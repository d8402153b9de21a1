"""What the provider posts to the portal, server to server, without a browser.

- `POST /backchannel-logout` (OpenID Connect Back-Channel Logout 1.0 §2.5-2.8): a form
  field `logout_token`; once verified, the matching local sessions end. 200 when done,
  400 with an OAuth-style error when the token is not acceptable, never cached.
- `POST /events` (RFC 8935 §2): a Security Event Token as the body, content type
  `application/secevent+jwt`; once verified it is kept and shown on `/events`. 202 when
  accepted, 400 with `{"err", "description"}` (RFC 8935 §2.3) otherwise.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from sample_portal.portal import portal_of
from sample_portal.tokens import TokenRejected, verify_logout_token, verify_security_event

router = APIRouter()
log = logging.getLogger("sample_portal.receivers")
SET_MEDIA_TYPE = "application/secevent+jwt"
MAX_TOKEN_BYTES = 64 * 1024  # far above any token Passerelle sends; bigger bodies are refused
NO_STORE = {"Cache-Control": "no-store"}


def _logout_refused(description: str) -> Response:
    return JSONResponse(
        {"error": "invalid_request", "error_description": description},
        status_code=400,
        headers=NO_STORE,
    )


@router.post("/backchannel-logout")
async def backchannel_logout(request: Request) -> Response:
    portal = portal_of(request)
    form = await request.form()
    token = form.get("logout_token")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_BYTES:
        return _logout_refused("logout_token is missing")
    try:
        logout = verify_logout_token(
            token,
            await portal.provider.keys_for(token),
            issuer=portal.config.issuer,
            client_id=portal.config.client_id,
        )
    except TokenRejected as rejected:
        log.warning("logout token refused: %s", rejected.reason)
        return _logout_refused(rejected.reason)
    ended = portal.sessions.end_matching(sid=logout.sid, sub=logout.sub)
    log.info("back-channel logout jti=%s ended %d session(s)", logout.jti, ended)
    return Response(status_code=200, headers=NO_STORE)


def _event_refused(err: str, description: str) -> Response:
    return JSONResponse({"err": err, "description": description}, status_code=400)


@router.post("/events")
async def receive_security_event(request: Request) -> Response:
    portal = portal_of(request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != SET_MEDIA_TYPE:
        return _event_refused("invalid_request", f"the body must be {SET_MEDIA_TYPE}")
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_TOKEN_BYTES:
        return _event_refused("invalid_request", f"the body exceeds {MAX_TOKEN_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_TOKEN_BYTES:
        return _event_refused("invalid_request", f"the body exceeds {MAX_TOKEN_BYTES} bytes")
    token = body.decode("ascii", errors="replace").strip()
    try:
        claims = verify_security_event(
            token,
            await portal.provider.keys_for(token),
            issuer=portal.config.issuer,
            client_id=portal.config.client_id,
        )
    except TokenRejected as rejected:
        log.warning("security event refused: %s", rejected.reason)
        err = "invalid_key" if rejected.reason.startswith("signature") else "invalid_request"
        return _event_refused(err, rejected.reason)
    if portal.events.add(claims):
        log.info("security event jti=%s received", claims["jti"])
    return Response(status_code=202)
