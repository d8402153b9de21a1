"""Officer pages and the invitee's page: `/officer/invitations`, `/invitations/accept`.

Officer pages need an account with the `officer` role and a multi-factor session.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from idp.accounts.invitations import (
    INVITATION_TTL_DAYS,
    accept_invitation,
    create_invitation,
    find_open_invitation,
    list_invitations,
)
from idp.accounts.models import Account
from idp.authn.assurance import ACR_SINGLE_FACTOR, AMR_PASSWORD
from idp.authn.mails import invitation_mail
from idp.authn.routes import complete_sign_in
from idp.authn.sessions import SESSION_COOKIE
from idp.errors import IdpError, InvalidInput
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.pages import render_page
from idp.http.params import read_form
from idp.oauth.errors import OAuth2Error
from idp.oauth.requests import Params
from idp.runtime import Runtime

router = APIRouter()
OFFICER_ROLE = "officer"


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _officer(request: Request) -> Account | None:
    runtime = _runtime(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if browser is None:
        return None
    with runtime.transaction() as db:
        account = db.get(Account, browser.account_id)
    return account if account is not None and OFFICER_ROLE in (account.roles or []) else None


def _page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    runtime = _runtime(request)
    with runtime.transaction() as db:
        rows = [
            {
                "email": i.email,
                "name": i.name,
                "created": i.created_at.date().isoformat(),
                "status": "accepted"
                if i.accepted_at
                else ("expired" if i.expires_at <= runtime.clock.now() else "open"),
            }
            for i in list_invitations(db)
        ]
    return render_page(
        request,
        "officer/invitations.html",
        {"invitations": rows, "values": {}, "errors": {}, "created": None, **context},
        status_code=status_code,
    )


@router.get("/officer/invitations")
async def invitations_page(request: Request) -> Response:
    officer = await run_in_threadpool(_officer, request)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    return await run_in_threadpool(_page, request, {})


def send_invitation(
    runtime: Runtime, *, email: str, name: str, locale: str, invited_by: str | None
) -> str:
    """Create and mail an invitation; return the invitee's email (normalised)."""
    with runtime.transaction() as db:
        issued = create_invitation(
            db, email=email, name=name, invited_by=invited_by, now=runtime.clock.now()
        )
        link, to = issued.link(runtime.settings.issuer), issued.invitation.email
    runtime.mailer.send(invitation_mail(to, locale, name, link, INVITATION_TTL_DAYS))
    return to


@router.post("/officer/invitations")
async def invitations_create(request: Request) -> Response:
    runtime = _runtime(request)
    officer = await run_in_threadpool(_officer, request)
    if officer is None:
        return RedirectResponse("/login", status_code=303)
    try:
        form = await read_form(request)
    except OAuth2Error:
        form = Params(all={})
    values = {"email": form.get("email") or "", "name": form.get("name") or ""}
    if not is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)):
        return await run_in_threadpool(
            _page, request, {"values": values, "errors": {"email": "csrf"}}, 400
        )
    locale = "fr" if form.get("locale") == "fr" else "en"
    try:
        to = await run_in_threadpool(
            lambda: send_invitation(
                runtime,
                email=values["email"],
                name=values["name"],
                locale=locale,
                invited_by=officer.id,
            )
        )
    except InvalidInput as error:
        return await run_in_threadpool(
            _page, request, {"values": values, "errors": {error.field: error.code}}, 400
        )
    except IdpError as error:
        return await run_in_threadpool(
            _page, request, {"values": values, "errors": {"email": error.code}}, 409
        )
    return await run_in_threadpool(_page, request, {"created": to})


def _accept_page(
    request: Request, token: str, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    runtime = _runtime(request)
    with runtime.transaction() as db:
        invitation = find_open_invitation(db, token, runtime.clock.now())
        context = {
            "token": token,
            "open": invitation is not None,
            "email": invitation.email if invitation else "",
            "name": invitation.name if invitation else "",
            "errors": errors or {},
        }
    return render_page(
        request,
        "invitations/accept.html",
        context,
        status_code=status_code if invitation else 410,
    )


@router.get("/invitations/accept")
async def accept_form(request: Request) -> Response:
    return await run_in_threadpool(
        _accept_page, request, request.query_params.get("token", "")[:100]
    )


@router.post("/invitations/accept")
async def accept_submit(request: Request) -> Response:
    runtime = _runtime(request)
    try:
        form = await read_form(request)
    except OAuth2Error:
        form = Params(all={})
    token = (form.get("token") or "")[:100]
    if not is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)):
        return await run_in_threadpool(
            _accept_page, request, token, errors={"password": "csrf"}, status_code=400
        )

    def work() -> Account:
        with runtime.transaction() as db:
            return accept_invitation(
                db,
                runtime.passwords,
                token=token,
                name=form.get("name") or "",
                password=form.get("password") or "",
                locale=request.state.locale,
                now=runtime.clock.now(),
            )

    try:
        account = await run_in_threadpool(work)
    except InvalidInput as error:
        return await run_in_threadpool(
            _accept_page, request, token, errors={error.field: error.code}, status_code=400
        )
    response = await run_in_threadpool(
        complete_sign_in, request, account.id, [AMR_PASSWORD], ACR_SINGLE_FACTOR, None
    )
    response.headers["location"] = "/account/security?notice=welcome"
    return response
