"""The account console's security pages: `/account/security` (authenticator app, recovery
codes, passkeys, password) and `/account/sessions` (list, end one, end all others).

Every change needs a signed-in session and a CSRF token, and mails the account holder.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from idp.accounts.models import Account
from idp.accounts.service import validate_password
from idp.authn.mails import notice_mail
from idp.authn.models import WebAuthnCredential
from idp.authn.recovery_codes import regenerate_recovery_codes
from idp.authn.sessions import SESSION_COOKIE, BrowserSession
from idp.authn.signin import second_factors
from idp.authn.totp import confirm_totp, remove_totp, start_totp_enrolment
from idp.errors import InvalidInput
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.pages import render_page
from idp.http.params import read_form
from idp.oauth.clients import find_client
from idp.oauth.errors import OAuth2Error
from idp.oauth.requests import Params
from idp.runtime import Runtime

router = APIRouter()
TOTP_PENDING_KEY = "totp-pending:"
TOTP_PENDING_TTL_SECONDS = 900


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _signed_in(request: Request) -> BrowserSession | None:
    return _runtime(request).browser_sessions.find(request.cookies.get(SESSION_COOKIE))


async def _form(request: Request) -> Params | None:
    try:
        form = await read_form(request)
    except OAuth2Error:
        return None
    return form if is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)) else None


def _security_context(runtime: Runtime, account_id: str) -> dict[str, Any]:
    with runtime.transaction() as db:
        account = db.get(Account, account_id)
        factors = second_factors(db, account_id)
        passkeys = [
            {
                "id": c.credential_id,
                "name": c.name,
                "created_at": c.created_at.date().isoformat(),
                "last_used_at": c.last_used_at.date().isoformat() if c.last_used_at else None,
            }
            for c in db.query(WebAuthnCredential)
            .filter(WebAuthnCredential.account_id == account_id)
            .order_by(WebAuthnCredential.created_at)
        ]
    return {
        "account_name": account.name if account else "",
        "factors": factors,
        "passkeys": passkeys,
    }


def _security_page(
    request: Request, browser: BrowserSession, status_code: int = 200, **extra: Any
) -> Response:
    context = _security_context(_runtime(request), browser.account_id)
    context.update({"notice": request.query_params.get("notice"), "errors": {}, **extra})
    return render_page(
        request,
        "console/security.html",
        context,
        status_code=status_code,
    )


@router.get("/account/security")
async def security(request: Request) -> Response:
    browser = _signed_in(request)
    if browser is None:
        return RedirectResponse("/login", status_code=303)
    return await run_in_threadpool(_security_page, request, browser)


def _notify(runtime: Runtime, account_id: str, event: str) -> None:
    with runtime.transaction() as db:
        account = db.get(Account, account_id)
    if account is not None:
        runtime.mailer.send(notice_mail(account.email, account.locale, event))


@router.get("/account/security/totp")
async def totp_form(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    if browser is None:
        return RedirectResponse("/login", status_code=303)
    with runtime.transaction() as db:
        account = db.get(Account, browser.account_id)
        email = account.email if account else ""
    enrolment = start_totp_enrolment(email)
    runtime.store.set(
        TOTP_PENDING_KEY + browser.account_id, enrolment.secret.encode(), TOTP_PENDING_TTL_SECONDS
    )
    return render_page(
        request,
        "console/totp.html",
        {"qr": enrolment.qr_svg_data_uri, "secret": enrolment.secret, "error": None},
    )


def _confirm_totp(runtime: Runtime, account_id: str, secret: str, code: str) -> list[str] | None:
    now = runtime.clock.now()
    with runtime.transaction() as db:
        if not confirm_totp(db, runtime.master_key, account_id, secret, code, now):
            return None
        had_codes = second_factors(db, account_id).recovery_codes > 0
        return [] if had_codes else regenerate_recovery_codes(db, account_id, now)


@router.post("/account/security/totp")
async def totp_confirm(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    form = await _form(request)
    if browser is None or form is None:
        return RedirectResponse("/account/security", status_code=303)
    pending = runtime.store.get(TOTP_PENDING_KEY + browser.account_id)
    if pending is None:
        return RedirectResponse("/account/security/totp", status_code=303)
    codes = await run_in_threadpool(
        _confirm_totp, runtime, browser.account_id, pending.decode(), form.get("code") or ""
    )
    if codes is None:
        enrolment = start_totp_enrolment("", pending.decode())
        return render_page(
            request,
            "console/totp.html",
            {"qr": enrolment.qr_svg_data_uri, "secret": enrolment.secret, "error": "wrong"},
            status_code=400,
        )
    runtime.store.delete(TOTP_PENDING_KEY + browser.account_id)
    await run_in_threadpool(_notify, runtime, browser.account_id, "totp_enabled")
    if codes:
        return render_page(
            request,
            "console/recovery_codes.html",
            {"codes": codes},
        )
    return RedirectResponse("/account/security?notice=totp_enabled", status_code=303)


def _remove_totp(runtime: Runtime, account_id: str) -> None:
    with runtime.transaction() as db:
        remove_totp(db, account_id)


@router.post("/account/security/totp/remove")
async def totp_remove(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    if browser is None or await _form(request) is None:
        return RedirectResponse("/account/security", status_code=303)
    await run_in_threadpool(_remove_totp, runtime, browser.account_id)
    await run_in_threadpool(_notify, runtime, browser.account_id, "totp_disabled")
    return RedirectResponse("/account/security?notice=totp_disabled", status_code=303)


def _regenerate(runtime: Runtime, account_id: str) -> list[str]:
    with runtime.transaction() as db:
        return regenerate_recovery_codes(db, account_id, runtime.clock.now())


@router.post("/account/security/recovery-codes")
async def recovery_codes(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    if browser is None or await _form(request) is None:
        return RedirectResponse("/account/security", status_code=303)
    codes = await run_in_threadpool(_regenerate, runtime, browser.account_id)
    await run_in_threadpool(_notify, runtime, browser.account_id, "recovery_codes_regenerated")
    return render_page(
        request,
        "console/recovery_codes.html",
        {"codes": codes},
    )


def _change_password(runtime: Runtime, account_id: str, current: str, new: str) -> str | None:
    with runtime.transaction() as db:
        account = db.get(Account, account_id)
        if account is None or not runtime.passwords.verify(account.password_hash, current):
            return "current_wrong"
        try:
            validate_password(new, email=account.email, name=account.name)
        except InvalidInput as error:
            return error.code
        account.password_hash = runtime.passwords.hash(new)
        account.password_changed_at = account.updated_at = runtime.clock.now()
    return None


@router.post("/account/security/password")
async def change_password(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    form = await _form(request)
    if browser is None or form is None:
        return RedirectResponse("/account/security", status_code=303)
    problem = await run_in_threadpool(
        _change_password,
        runtime,
        browser.account_id,
        form.get("current_password") or "",
        form.get("new_password") or "",
    )
    if problem is not None:
        field = "current_password" if problem == "current_wrong" else "new_password"
        return await run_in_threadpool(
            _security_page, request, browser, 400, errors={field: problem}
        )
    # A password change ends every other session (the person may be locking someone out).
    runtime.browser_sessions.end_all(browser.account_id, "password_changed", except_sid=browser.sid)
    await run_in_threadpool(_notify, runtime, browser.account_id, "password_changed")
    return RedirectResponse("/account/security?notice=password_changed", status_code=303)


def _portal_names(runtime: Runtime, sessions: list[BrowserSession]) -> dict[str, str]:
    names: dict[str, str] = {}
    with runtime.transaction() as db:
        for session in sessions:
            for client_id in session.client_ids:
                client = find_client(db, client_id)
                names[client_id] = client.name if client else client_id
    return names


def describe_device(user_agent: str) -> str:
    """A short, readable device name from a User-Agent (no fingerprinting library)."""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in user_agent), "")
    system = next(
        (s for s in ("Windows", "Android", "iPhone", "iPad", "Mac OS", "Linux") if s in user_agent),
        "",
    )
    label = " · ".join(p for p in ({"Edg": "Edge"}.get(browser, browser), system) if p)
    return label or (user_agent[:40] or "?")


@router.get("/account/sessions")
async def sessions_page(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    if browser is None:
        return RedirectResponse("/login", status_code=303)
    sessions = await run_in_threadpool(
        runtime.browser_sessions.list_for_account, browser.account_id
    )
    names = await run_in_threadpool(_portal_names, runtime, sessions)
    rows = [
        {
            "sid": s.sid,
            "current": s.sid == browser.sid,
            "device": describe_device(s.user_agent),
            "ip": s.ip,
            "signed_in": s.auth_time,
            "last_seen": s.last_seen_at,
            "portals": [names.get(c, c) for c in s.client_ids],
        }
        for s in sessions
    ]
    return render_page(
        request,
        "console/sessions.html",
        {"sessions": rows, "notice": request.query_params.get("notice")},
    )


@router.post("/account/sessions/end")
async def end_session(request: Request) -> Response:
    runtime = _runtime(request)
    browser = _signed_in(request)
    form = await _form(request)
    if browser is None or form is None:
        return RedirectResponse("/account/sessions", status_code=303)
    target = form.get("sid") or ""
    if target == "others":
        ended = await run_in_threadpool(
            runtime.browser_sessions.end_all,
            browser.account_id,
            "ended_by_user",
            except_sid=browser.sid,
        )
        return RedirectResponse(f"/account/sessions?notice=ended_{min(ended, 1)}", status_code=303)
    await run_in_threadpool(
        runtime.browser_sessions.end_by_sid, browser.account_id, target, "ended_by_user"
    )
    if target == browser.sid:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/account/sessions?notice=ended_1", status_code=303)
