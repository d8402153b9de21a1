"""The HTTP side of finishing a sign-in, shared by every page that signs someone in.

Password, second factor, passkey, registration and invitation pages all end the same
way: a fresh session (a planted cookie never becomes authenticated: session fixation),
its cookie, and a redirect to where the person was going (a pending authorization
request, a console page asking for a step-up, or the account page). A person who never
chose a language (no `lang`, no `idp_lang` cookie, no `ui_locales`) gets their account's
in the `idp_lang` cookie: the pages after speak it without the locale middleware reading
the database on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from adapters import EphemeralStore
from idp.accounts.models import Account
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.device_cookies import DEVICE_COOKIE_TTL_SECONDS, DeviceCookies
from idp.authn.interactions import Interaction, Interactions
from idp.authn.sessions import (
    RaisedSession,
    SessionEndListener,
    SessionPolicy,
    end_session,
    find_session,
    start_session,
    step_up_session,
)
from idp.authn.signin import PENDING_TTL_SECONDS, PendingSignIn, PendingSignIns
from idp.clients.service import RegisteredClient
from idp.http.cookies import cookie_names
from idp.http.deps import client_address
from idp.http.locale import locale_cookie
from idp.settings import Settings

ACCOUNT_HOME = "/account"


@dataclass(frozen=True, slots=True)
class Browser:
    """What a sign-in needs to know of the browser it happens in."""

    cookie: str | None
    user_agent: str
    ip: str
    secure_cookies: bool
    locale_chosen: bool = False  # by `lang`, the `idp_lang` cookie or `ui_locales`


def safe_return_path(target: str | None, default: str = ACCOUNT_HOME) -> str:
    """A site-relative path to come back to, never another host (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    # No backslash, whitespace or control character: browsers drop tabs and newlines from
    # URLs, so "/\t/evil.example" would become "//evil.example" in a link.
    if len(target) > 512 or any(c == "\\" or c.isspace() or not c.isprintable() for c in target):
        return default
    return target


@dataclass(frozen=True, slots=True)
class ResumeAuthorization:
    """Where a finished sign-in goes: the authorization request it interrupted, if any
    (else the account). The request is told which session signed in, so only this browser
    resumes it as freshly signed in (`prompt=login`, `max_age`)."""

    store: EphemeralStore
    ttl_seconds: int
    interaction_id: str | None

    def path_for(self, sid: str) -> str:
        interactions = Interactions(self.store, self.ttl_seconds)
        interaction = interactions.find(self.interaction_id)
        if interaction is None:
            return ACCOUNT_HOME
        interactions.save(replace(interaction, login_sid=sid))
        return interaction.resume_path


def resumed_form_action(
    client: RegisteredClient | None, interaction: Interaction | None
) -> tuple[str, ...]:
    """RFC 8252 §7.1: a sign-in resuming `interaction` may end, redirect after redirect, at
    the native app's private-use URI; the page's CSP `form-action` allows that scheme."""
    if client is None or interaction is None:
        return ()
    return client.form_action_schemes(interaction.parameters.get("redirect_uri"))


def set_session_cookie(response: Response, value: str, *, max_age: int, secure: bool) -> None:
    name = cookie_names(secure=secure).session
    response.set_cookie(name, value, max_age=max_age, httponly=True, secure=secure, samesite="lax")


def set_device_cookie(response: Response, value: str, *, secure: bool) -> None:
    """The browser's device cookie (`idp.authn.device_cookies`): host-only, for every path."""
    response.set_cookie(
        cookie_names(secure=secure).device,
        value,
        max_age=DEVICE_COOKIE_TTL_SECONDS,
        httponly=True,
        secure=secure,
        samesite="lax",
    )


def vouch_for_browser(
    response: Response,
    request: Request,
    settings: Settings,
    devices: DeviceCookies,
    email: str,
    now: datetime,
) -> None:
    """Give the browser a device cookie for `email`'s account (the other accounts' tokens it
    holds kept): it just proved it is the owner's, with the right password, a passkey or a
    code mailed to the account. Every such proof counts, so a person who signs in with a
    passkey or an emailed code still has a password checked from a busy shared address."""
    name = cookie_names(secure=settings.cookie_secure).device
    cookie = devices.issue(email, now, request.cookies.get(name))
    set_device_cookie(response, cookie, secure=settings.cookie_secure)


def keep_raised_session(response: Response, raised: RaisedSession | None, *, secure: bool) -> None:
    """Hand the browser the new cookie of a session a step-up raised (the old one is dead)."""
    if raised is not None:
        set_session_cookie(
            response, raised.cookie_value, max_age=raised.max_age_seconds, secure=secure
        )


def _clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    """Delete the cookie `name` (one of `cookie_names(secure=secure)`)."""
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    _clear_cookie(response, cookie_names(secure=secure).session, secure=secure)


def clear_pending_cookie(response: Response, *, secure: bool) -> None:
    _clear_cookie(response, cookie_names(secure=secure).pending, secure=secure)


def complete_sign_in(
    db: Session,
    policy: SessionPolicy,
    listener: SessionEndListener,
    browser: Browser,
    *,
    account_id: str,
    amr: list[str],
    acr: str,
    target: str | ResumeAuthorization,
    now: datetime,
) -> Response:
    end_session(db, browser.cookie, reason="replaced", now=now, listener=listener)
    cookie, session = start_session(
        db,
        policy,
        account_id=account_id,
        amr=amr,
        acr=acr,
        now=now,
        user_agent=browser.user_agent,
        ip=browser.ip,
    )
    path = target if isinstance(target, str) else target.path_for(session.sid)
    response = RedirectResponse(path, status_code=303)
    set_session_cookie(response, cookie, max_age=policy.ttl_seconds, secure=browser.secure_cookies)
    clear_pending_cookie(response, secure=browser.secure_cookies)
    account = db.get(Account, account_id)  # in the session already: no extra query
    if not browser.locale_chosen and account is not None:
        locale = locale_cookie(account.locale, secure=browser.secure_cookies)
        response.headers.append("set-cookie", locale)
    return response


def start_second_factor(
    store: EphemeralStore, pending: PendingSignIn, *, secure: bool, locale: str | None = None
) -> RedirectResponse:
    """Send the browser to the second-factor page, holding the pending sign-in's cookie.

    `locale`: the account's language when nobody chose one, so the second-factor page is
    already in it (not only the pages after it)."""
    PendingSignIns(store).save(pending)
    response = RedirectResponse("/login/second-factor", status_code=303)
    if locale is not None:
        response.headers.append("set-cookie", locale_cookie(locale, secure=secure))
    response.set_cookie(
        cookie_names(secure=secure).pending,
        pending.id,
        max_age=PENDING_TTL_SECONDS,
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    return response


def session_cookie_of(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(cookie_names(secure=settings.cookie_secure).session)


def pending_cookie_of(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(cookie_names(secure=settings.cookie_secure).pending)


def browser_of(request: Request, settings: Settings) -> Browser:
    return Browser(
        cookie=session_cookie_of(request, settings),
        user_agent=request.headers.get("user-agent", ""),
        ip=client_address(request),
        secure_cookies=settings.cookie_secure,
        locale_chosen=bool(getattr(request.state, "locale_chosen", False)),
    )


def finish_step_up(
    request: Request,
    db: Session,
    store: EphemeralStore,
    settings: Settings,
    pending: PendingSignIn,
    amr: list[str],
    now: datetime,
) -> Response:
    """Raise the session that asked, only if it belongs to the account that proved it."""
    cookie = session_cookie_of(request, settings) or ""
    browser = find_session(db, cookie, now)
    bound = browser is not None and browser.account_id == pending.account_id
    if not bound or (pending.sid is not None and browser.sid != pending.sid):  # type: ignore[union-attr]
        response: Response = RedirectResponse("/login?notice=step_up_refused", status_code=303)
    else:
        raised = step_up_session(
            db, cookie, account_id=pending.account_id, amr=amr, acr=ACR_MULTI_FACTOR, now=now
        )
        resume = ResumeAuthorization(
            store, settings.interaction_ttl_seconds, pending.interaction_id
        )
        target = (
            resume.path_for(browser.sid)  # type: ignore[union-attr]
            if pending.interaction_id
            else safe_return_path(pending.return_to)
        )
        response = RedirectResponse(target, status_code=303)
        keep_raised_session(response, raised, secure=settings.cookie_secure)
    clear_pending_cookie(response, secure=settings.cookie_secure)
    return response
