"""The account home, where you are signed in (`/account/sessions`) and which portals hold
access to you (`/account/portals`).

Ending a session, signing out everywhere and withdrawing a portal's access all take
effect at once: the portals' refresh tokens stop refreshing and their access tokens stop
introspecting active (tokens issued through a browser session end with it).
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from idp.accounts.models import Role
from idp.authn.deps import Me, SessionListener
from idp.authn.sessions import (
    BrowserSession,
    end_all_sessions,
    end_session_by_sid,
    list_sessions,
)
from idp.authn.web import clear_session_cookie
from idp.clients.deps import Portals, Profiles
from idp.clients.profiles import PortalProfiles
from idp.clients.registration import SUPPORTED_SCOPES
from idp.console.views import describe_device
from idp.http.csrf import CsrfForm
from idp.http.deps import AppSettings, Db, Now, Router
from idp.http.pages import render_page
from idp.legacy.linking import candidates_for, legacy_view
from idp.oauth.consents import portals_holding_access, withdraw_portal_access
from idp.oidc.frontchannel import logout_frames, signed_out_page

router = Router()
SIGNED_OUT_LOCATION = "/login?notice=signed_out"


@router.get("/account")
def account_home(request: Request, me: Me, db: Db) -> Response:
    context = {
        "name": me.account.name,
        "email": me.account.email,
        "is_officer": me.account.has_role(Role.OFFICER),
        # An older portal's account with this email: suggested, linked only once proven.
        "legacy": [legacy_view(c, request.state.locale) for c in candidates_for(db, me.account)],
    }
    return render_page(request, "account/home.html", context)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/account", status_code=303)


@router.get("/account/sessions")
def sessions_page(request: Request, me: Me, db: Db, names: Portals, now: Now) -> Response:
    sessions = list_sessions(db, me.account.id, now)
    rows = [
        {
            "sid": s.sid,
            "current": s.sid == me.session.sid,
            "device": describe_device(s.user_agent),
            "ip": s.ip,
            "signed_in": s.auth_time,
            "last_seen": s.last_seen_at,
            "portals": [names.name(c) for c in s.client_ids],
        }
        for s in sessions
    ]
    context = {"sessions": rows, "notice": request.query_params.get("notice")}
    return render_page(request, "console/sessions.html", context)


@router.post("/account/sessions/end")
def end_session(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    settings: AppSettings,
    listener: SessionListener,
    profiles: Profiles,
    now: Now,
) -> Response:
    target = form.text("sid")
    if target in ("others", "everywhere"):
        keep = me.session.sid if target == "others" else None
        ended = end_all_sessions(
            db, me.account.id, reason="ended_by_user", now=now, listener=listener, except_sid=keep
        )
        if target == "others":
            return RedirectResponse(f"/account/sessions?notice=ended_{min(ended, 1)}", 303)
        return _signed_out_here(request, db, settings, profiles, me.session)
    end_session_by_sid(
        db, me.account.id, target, reason="ended_by_user", now=now, listener=listener
    )
    if target == me.session.sid:
        return _signed_out_here(request, db, settings, profiles, me.session)
    return RedirectResponse("/account/sessions?notice=ended_1", status_code=303)


def _signed_out_here(
    request: Request,
    db: Session,
    settings: AppSettings,
    profiles: PortalProfiles,
    session: BrowserSession,
) -> Response:
    """This browser's session ended: its portals' front-channel logout frames, then /login."""
    frames = logout_frames(db, profiles, settings.issuer, session.client_ids, session.sid)
    response: Response
    if frames:
        response = signed_out_page(request, frames, SIGNED_OUT_LOCATION)
    else:
        response = RedirectResponse(SIGNED_OUT_LOCATION, status_code=303)
    clear_session_cookie(response, secure=settings.cookie_secure)
    return response


def _scope_order(scope: str) -> int:
    """`openid` first, then the order of discovery's `scopes_supported`."""
    return SUPPORTED_SCOPES.index(scope) if scope in SUPPORTED_SCOPES else len(SUPPORTED_SCOPES)


@router.get("/account/portals")
def connected_portals(request: Request, me: Me, db: Db, names: Portals) -> Response:
    """Each portal holding consent or a living grant, named in the person's language, with
    what it may receive in plain words (`_macros/scopes.html`)."""
    rows = [
        {
            "client_id": access.client_id,
            "name": names.name(access.client_id),
            "scopes": sorted(access.scopes, key=_scope_order),
            "since": access.since,
        }
        for access in portals_holding_access(db, me.account.id)
    ]
    context = {"portals": rows, "notice": request.query_params.get("notice")}
    return render_page(request, "console/portals.html", context)


@router.post("/account/portals/revoke")
def revoke_portal(form: CsrfForm, me: Me, db: Db, now: Now) -> Response:
    withdraw_portal_access(db, me.account.id, form.text("client_id")[:64], now)
    return RedirectResponse("/account/portals?notice=revoked", status_code=303)
