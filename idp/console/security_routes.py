"""`/account/security`: authenticator app, recovery codes, passkeys, password.

Changing or removing a second factor, making new recovery codes and changing the password
need a second factor proven in the last 15 minutes when the account has one (DESIGN.md
section 8), and a password change also needs the current password, within its attempt
budget. Every change is mailed to the owner; a password change ends every other session
and every grant portals hold.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from adapters import EphemeralStore
from idp.accounts.service import validate_password
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.attempts import record_failure, record_success
from idp.authn.deps import (
    BudgetsDep,
    Me,
    PasswordsDep,
    RecentSecondFactor,
    SessionListener,
    SignedIn,
)
from idp.authn.models import WebAuthnCredential
from idp.authn.recovery_codes import regenerate_recovery_codes
from idp.authn.sessions import end_all_sessions, step_up_session
from idp.authn.signin import second_factors
from idp.authn.totp import confirm_totp, remove_totp, start_totp_enrolment
from idp.authn.web import keep_raised_session
from idp.errors import InvalidInput, StepUpRequired
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import AppSettings, Db, Master, Now, Router, Store
from idp.http.pages import render_page
from idp.notifications.deps import Mail
from idp.notifications.mails import notice_mail
from idp.oauth.tokens import revoke_account_grants

router = Router()
TOTP_PENDING_KEY = "totp-pending:"
TOTP_PENDING_TTL_SECONDS = 900
PASSWORD_CHANGE_FACTOR = "password-change"  # noqa: S105  # a budget's name, not a secret
SECURITY_PAGE = "/account/security"


def _passkeys(db: Session, account_id: str) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(WebAuthnCredential)
        .where(WebAuthnCredential.account_id == account_id)
        .order_by(WebAuthnCredential.created_at)
    )
    return [
        {
            "id": c.credential_id,
            "name": c.name,
            "created_at": c.created_at,
            "last_used_at": c.last_used_at,
        }
        for c in rows
    ]


def _security_page(
    request: Request, db: Session, me: SignedIn, status_code: int = 200, **extra: Any
) -> Response:
    context = {
        "account_name": me.account.name,
        "factors": second_factors(db, me.account.id),
        "passkeys": _passkeys(db, me.account.id),
        "notice": request.query_params.get("notice"),
        "errors": {},
        **extra,
    }
    return render_page(
        request, "console/security.html", context, status_code=status_code, address=SECURITY_PAGE
    )


def _require_step_up_if_protected(db: Session, me: SignedIn, now: Now) -> None:
    """Changing the factors of a protected account needs that protection proven again."""
    if second_factors(db, me.account.id).any and not me.has_recent_second_factor(now):
        raise StepUpRequired(SECURITY_PAGE)


@router.get(SECURITY_PAGE)
def security(request: Request, me: Me, db: Db) -> Response:
    return _security_page(request, db, me)


def _totp_page(request: Request, secret: str, email: str, error: str | None = None) -> Response:
    enrolment = start_totp_enrolment(email, secret)
    context = {"qr": enrolment.qr_svg_data_uri, "secret": enrolment.secret, "error": error}
    return render_page(request, "console/totp.html", context, status_code=400 if error else 200)


@router.get("/account/security/totp")
def totp_form(request: Request, me: Me, db: Db, store: Store, now: Now) -> Response:
    _require_step_up_if_protected(db, me, now)
    enrolment = start_totp_enrolment(me.account.email)
    store.set(TOTP_PENDING_KEY + me.account.id, enrolment.secret.encode(), TOTP_PENDING_TTL_SECONDS)
    return _totp_page(request, enrolment.secret, me.account.email)


@router.post("/account/security/totp")
def totp_confirm(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    store: Store,
    master: Master,
    settings: AppSettings,
    mail: Mail,
    now: Now,
) -> Response:
    _require_step_up_if_protected(db, me, now)
    pending = store.get(TOTP_PENDING_KEY + me.account.id)
    if pending is None:
        return RedirectResponse("/account/security/totp", status_code=303)
    secret = pending.decode()
    if not form.text("code").strip():  # nothing typed: asked for, not called wrong
        return _totp_page(request, secret, me.account.email, "missing")
    if not confirm_totp(db, master, me.account.id, secret, form.text("code"), now):
        return _totp_page(request, secret, me.account.email, "wrong")
    store.delete(TOTP_PENDING_KEY + me.account.id)
    # The code just typed proves the new factor: this session is now a second-factor one.
    raised = step_up_session(
        db, me.cookie, account_id=me.account.id, amr=["otp"], acr=ACR_MULTI_FACTOR, now=now
    )
    had_codes = second_factors(db, me.account.id).recovery_codes > 0
    mail.send_after_answer(notice_mail(me.account.email, me.account.locale, "totp_enabled"))
    response: Response
    if had_codes:
        response = RedirectResponse(f"{SECURITY_PAGE}?notice=totp_enabled", status_code=303)
    else:
        codes = regenerate_recovery_codes(db, me.account.id, now)
        response = render_page(request, "console/recovery_codes.html", {"codes": codes})
    keep_raised_session(response, raised, secure=settings.cookie_secure)
    return response


@router.post("/account/security/totp/remove", dependencies=CSRF_CHECKED)
def totp_remove(me: RecentSecondFactor, db: Db, mail: Mail) -> Response:
    remove_totp(db, me.account.id)
    mail.send_after_answer(notice_mail(me.account.email, me.account.locale, "totp_disabled"))
    return RedirectResponse(f"{SECURITY_PAGE}?notice=totp_disabled", status_code=303)


@router.post("/account/security/recovery-codes", dependencies=CSRF_CHECKED)
def recovery_codes(
    request: Request, me: RecentSecondFactor, db: Db, mail: Mail, now: Now
) -> Response:
    codes = regenerate_recovery_codes(db, me.account.id, now)
    mail.send_after_answer(
        notice_mail(me.account.email, me.account.locale, "recovery_codes_regenerated")
    )
    return render_page(
        request, "console/recovery_codes.html", {"codes": codes}, address=SECURITY_PAGE
    )


def _check_current_password(
    store: EphemeralStore, budgets: BudgetsDep, passwords: PasswordsDep, me: SignedIn, current: str
) -> str | None:
    """None when the current password is right; else why not (wrong, or out of attempts)."""
    budget = budgets.password_per_account
    # The guess is numbered before the (slow) hash is checked, with one atomic increment:
    # guesses sent at once are checked no more than the budget allows.
    count = record_failure(store, budget, PASSWORD_CHANGE_FACTOR, me.account.id)
    if count > budget.limit:
        return "rate_limited"
    if not passwords.verify(me.account.password_hash, current):
        return "rate_limited" if count == budget.limit else "current_wrong"
    record_success(store, PASSWORD_CHANGE_FACTOR, me.account.id)
    return None


@router.post("/account/security/password")
def change_password(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    store: Store,
    passwords: PasswordsDep,
    budgets: BudgetsDep,
    listener: SessionListener,
    mail: Mail,
    now: Now,
) -> Response:
    _require_step_up_if_protected(db, me, now)
    # Every field at fault at once. The current password is only ever said right or wrong
    # (each wrong guess spends the budget); the new one is judged on its own rules.
    errors: dict[str, str] = {}
    current = form.text("current_password")
    problem = (
        _check_current_password(store, budgets, passwords, me, current)
        if current
        else "current_required"  # nothing to verify, nothing to count
    )
    if problem is not None:
        errors["current_password"] = problem
    account = me.account
    try:
        new = validate_password(form.text("new_password"), email=account.email, name=account.name)
    except InvalidInput as error:
        errors["new_password"] = error.code
    if errors:
        return _security_page(request, db, me, 400, errors=errors)
    me.account.password_hash = passwords.hash(new)
    me.account.password_changed_at = me.account.updated_at = now
    # The person may be locking someone out: every other session and every grant ends.
    end_all_sessions(
        db,
        me.account.id,
        reason="password_changed",
        now=now,
        listener=listener,
        except_sid=me.session.sid,
    )
    revoke_account_grants(db, me.account.id, "password_changed", now)
    mail.send_after_answer(notice_mail(me.account.email, me.account.locale, "password_changed"))
    return RedirectResponse(f"{SECURITY_PAGE}?notice=password_changed", status_code=303)
