"""Pages to create an account, to recover one, and to accept an invitation (an officer's,
or a family member's, whose appointment then waits for the new account to accept it):
`/register`, `/register/verify`, `/recover`, `/recover/verify`, `/invitations/accept`.

Each refuses bad input beside the field (every field at fault at once), keeps what the
person typed (never secrets) and says the same whether or not an email has an account.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from idp.accounts.invitations import accept_invitation, find_open_invitation
from idp.accounts.service import validate_email
from idp.authn.assurance import ACR_SINGLE_FACTOR, AMR_PASSWORD
from idp.authn.attempts import AttemptBudget, record_failure, seconds_blocked
from idp.authn.deps import (
    BudgetsDep,
    DeviceCookiesDep,
    PasswordsDep,
    SessionListener,
    SessionPolicyDep,
)
from idp.authn.sessions import end_all_sessions
from idp.authn.web import browser_of, complete_sign_in, vouch_for_browser
from idp.delegation.deps import Events
from idp.errors import InvalidInput
from idp.family.invitations import appoint_invited
from idp.http.csrf import CsrfForm
from idp.http.deps import AppSettings, Db, Master, Now, Router, Store, client_address
from idp.http.pages import render_page
from idp.http.params import Query
from idp.notifications.deps import Mail
from idp.notifications.mails import notice_mail
from idp.oauth.tokens import revoke_account_grants
from idp.selfservice.recovery import RecoveryForm, finish_recovery, start_recovery
from idp.selfservice.registration import (
    NewAccount,
    confirm_registration,
    start_registration,
    validate_registration,
)

router = Router()
MAX_TOKEN_LENGTH = 100


def _blocked(request: Request, store: Store, budget: AttemptBudget, action: str) -> int:
    """Seconds this address must wait before `action` again; counts this attempt."""
    address = client_address(request)
    wait = seconds_blocked(store, budget, action, address)
    if not wait:
        record_failure(store, budget, action, address)
    return wait


def _register_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
    retry: int = 0,
) -> Response:
    context = {"values": values, "errors": errors}
    return render_page(
        request, "accounts/register.html", context, status_code=status, retry_after_seconds=retry
    )


@router.get("/register")
def register_form(request: Request) -> Response:
    return _register_page(request, {}, {})


@router.post("/register")
def register_submit(
    request: Request,
    form: CsrfForm,
    db: Db,
    store: Store,
    passwords: PasswordsDep,
    budgets: BudgetsDep,
    mail: Mail,
) -> Response:
    new = NewAccount(
        form.text("name"), form.text("email"), form.text("password"), request.state.locale
    )
    values = {"name": new.name, "email": new.email}
    retry = _blocked(request, store, budgets.registration_per_address, "register")
    if retry:
        return _register_page(request, values, {"email": "rate_limited"}, 429, retry)
    errors = validate_registration(new)
    if errors:
        return _register_page(request, values, errors, 400)
    mail.send(start_registration(db, store, passwords, new))
    context = {"email": new.email.strip().lower(), "error": None}
    return render_page(request, "accounts/verify.html", context, address="/register")


@router.post("/register/verify")
def register_verify(
    request: Request,
    form: CsrfForm,
    db: Db,
    store: Store,
    settings: AppSettings,
    passwords: PasswordsDep,
    policy: SessionPolicyDep,
    listener: SessionListener,
    devices: DeviceCookiesDep,
    now: Now,
) -> Response:
    email = form.text("email").strip().lower()
    if not form.text("code").strip():  # nothing typed: asked for, and no guess counted
        context = {"email": email, "error": "missing"}
        return render_page(
            request, "accounts/verify.html", context, status_code=400, address="/register"
        )
    account, reason = confirm_registration(db, store, passwords, email, form.text("code"), now)
    if account is None:
        context = {"email": email, "error": reason}
        return render_page(
            request, "accounts/verify.html", context, status_code=400, address="/register"
        )
    response = complete_sign_in(
        db,
        policy,
        listener,
        browser_of(request, settings),
        account_id=account.id,
        amr=[AMR_PASSWORD],
        acr=ACR_SINGLE_FACTOR,
        target="/account",
        now=now,
    )
    # The mailed code (and the password just chosen) vouch for this browser, as a password
    # sign-in does (idp.authn.device_cookies).
    vouch_for_browser(response, request, settings, devices, account.email, now)
    return response


@router.get("/recover")
def recover_form(request: Request) -> Response:
    return render_page(request, "accounts/recover.html", {"email": "", "error": None})


@router.post("/recover")
def recover_submit(
    request: Request, form: CsrfForm, db: Db, store: Store, budgets: BudgetsDep, mail: Mail
) -> Response:
    email = form.text("email").strip().lower()
    retry = _blocked(request, store, budgets.recovery, "recover")
    if not retry:
        try:
            # Empty, malformed or over MAX_EMAIL_LENGTH: said beside the field. Only the
            # form of the address is judged here, so it reveals nothing about accounts.
            email = validate_email(email)
        except InvalidInput as error:
            refused = {"email": email, "error": error.code}
            return render_page(request, "accounts/recover.html", refused, status_code=400)
        retry = _blocked(request, store, budgets.recovery, "recover:" + email)
    if retry:
        limited = {"email": email, "error": "rate_limited"}
        return render_page(
            request, "accounts/recover.html", limited, status_code=429, retry_after_seconds=retry
        )
    message = start_recovery(db, store, email, request.state.locale)
    if message is not None:  # after the answer: an unknown email, mailed nothing, is as quick
        mail.send_after_answer(message)
    context = {"email": email, "errors": {}}
    return render_page(request, "accounts/recover_verify.html", context, address="/recover")


@router.post("/recover/verify")
def recover_verify(
    request: Request,
    form: CsrfForm,
    db: Db,
    store: Store,
    passwords: PasswordsDep,
    settings: AppSettings,
    master: Master,
    budgets: BudgetsDep,
    listener: SessionListener,
    devices: DeviceCookiesDep,
    mail: Mail,
    now: Now,
) -> Response:
    email = form.text("email").strip().lower()
    result = finish_recovery(
        db,
        store,
        passwords,
        master,
        budgets.second_factor,
        RecoveryForm(
            email=email,
            code=form.text("code"),
            password=form.text("password"),
            second_factor=form.text("second_factor"),
            method="recovery" if "-" in form.text("second_factor") else "totp",
        ),
        now,
    )
    account = result.account
    if account is None:
        # A second factor locked by wrong codes is a wait, said with its length (429).
        wait = result.retry_after_seconds
        context = {"email": email, "errors": result.errors}
        return render_page(
            request,
            "accounts/recover_verify.html",
            context,
            status_code=429 if wait else 400,
            address="/recover",
            retry_after_seconds=wait,
        )
    end_all_sessions(db, account.id, reason="password_changed", now=now, listener=listener)
    revoke_account_grants(db, account.id, "account_recovered", now)
    mail.send_after_answer(notice_mail(account.email, account.locale, "password_changed"))
    response = RedirectResponse("/login?notice=password_changed", status_code=303)
    # The mailed code (and second factor) proved the owner in this browser: the new password
    # is checked from it even when the address used up its budget.
    vouch_for_browser(response, request, settings, devices, account.email, now)
    return response


def _accept_page(
    request: Request,
    db: Session,
    token: str,
    now: Now,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    typed_name: str | None = None,
) -> Response:
    invitation = find_open_invitation(db, token, now)
    context = {
        "token": token,
        "open": invitation is not None,
        "email": invitation.email if invitation else "",
        # A refused form shows the name typed, not the officer's again.
        "name": typed_name if typed_name is not None else (invitation.name if invitation else ""),
        "errors": errors or {},
    }
    # The invitation's language is a better guess than the browser's, never a choice's.
    if invitation is not None and not getattr(request.state, "locale_chosen", False):
        request.state.locale = invitation.locale
    status = status_code if invitation else 410
    # The mail's link (its token included) shows this page again.
    address = f"/invitations/accept?{urlencode({'token': token})}"
    return render_page(
        request, "invitations/accept.html", context, status_code=status, address=address
    )


@router.get("/invitations/accept")
def accept_form(request: Request, query: Query, db: Db, now: Now) -> Response:
    return _accept_page(request, db, query.text("token")[:MAX_TOKEN_LENGTH], now)


@router.post("/invitations/accept")
def accept_submit(
    request: Request,
    form: CsrfForm,
    db: Db,
    settings: AppSettings,
    passwords: PasswordsDep,
    policy: SessionPolicyDep,
    listener: SessionListener,
    events: Events,
    devices: DeviceCookiesDep,
    now: Now,
) -> Response:
    token = form.text("token")[:MAX_TOKEN_LENGTH]
    try:
        account = accept_invitation(
            db,
            passwords,
            token=token,
            name=form.text("name"),
            password=form.text("password"),
            now=now,
            locale=request.state.locale if request.state.locale_chosen else None,
        )
    except InvalidInput as error:
        return _accept_page(
            request,
            db,
            token,
            now,
            errors={error.field: error.code},
            status_code=400,
            typed_name=form.text("name"),
        )
    # A family member invited as designated individual: the appointment waits for them.
    appointed = appoint_invited(db, events, account, now, settings.display_zone)
    response = complete_sign_in(
        db,
        policy,
        listener,
        browser_of(request, settings),
        account_id=account.id,
        amr=[AMR_PASSWORD],
        acr=ACR_SINGLE_FACTOR,
        target="/account/delegations?notice=welcome"
        if appointed
        else "/account/security?notice=welcome",
        now=now,
    )
    # The mailed invitation vouches for this browser (idp.authn.device_cookies).
    vouch_for_browser(response, request, settings, devices, account.email, now)
    return response
