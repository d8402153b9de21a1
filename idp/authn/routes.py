"""Sign-in pages: `/login` (password), `/login/second-factor` (TOTP, recovery code) and
`/account/step-up` (prove a second factor again before a sensitive change). Passkeys
sign in through `webauthn_routes.py`."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from idp.accounts.models import Account
from idp.authn.assurance import ACR_MULTI_FACTOR, ACR_SINGLE_FACTOR, AMR_PASSWORD
from idp.authn.deps import (
    BudgetsDep,
    DeviceCookiesDep,
    Me,
    PasswordsDep,
    SessionListener,
    SessionPolicyDep,
)
from idp.authn.interactions import Interaction, Interactions
from idp.authn.login import check_password_login
from idp.authn.second_factor import verify_code_factor
from idp.authn.sessions import SessionPolicy
from idp.authn.signin import PendingSignIn, PendingSignIns, second_factors
from idp.authn.web import (
    ResumeAuthorization,
    browser_of,
    complete_sign_in,
    finish_step_up,
    pending_cookie_of,
    resumed_form_action,
    safe_return_path,
    start_second_factor,
    vouch_for_browser,
)
from idp.clients.cache import ClientDirectory
from idp.clients.deps import Clients, client_names
from idp.clients.service import find_client
from idp.http.cookies import cookie_names
from idp.http.csrf import CsrfForm
from idp.http.deps import AppSettings, Db, Master, Now, Router, Store, client_address
from idp.http.locale import prefer_ui_locales
from idp.http.pages import render_page
from idp.http.params import Query
from idp.notifications.deps import Mail
from idp.notifications.mails import notice_mail
from idp.settings import Settings

router = Router()
LOGIN_REFUSAL_STATUS = {"rate_limited": 429, "address_limited": 429, "too_long": 400, "locked": 403}


def _interactions(store: Store, settings: Settings) -> Interactions:
    return Interactions(store, settings.interaction_ttl_seconds)


def _login_page(
    request: Request,
    db: Session,
    clients: ClientDirectory,
    interaction: Interaction | None,
    *,
    email: str = "",
    error_code: str | None = None,
    missing: tuple[str, ...] = (),
    retry_after_seconds: int = 0,
    status_code: int = 200,
) -> Response:
    client = None
    if interaction is not None:
        params = interaction.parameters
        prefer_ui_locales(request.state, request.query_params.get("lang"), params.get("ui_locales"))
        client = clients.find(db, params.text("client_id"))
    return render_page(
        request,
        "authn/login.html",
        {
            "interaction": interaction.id if interaction else "",
            "email": email,
            "error_code": error_code,
            "missing": missing,
            "client_names": client_names(request, client),
            "notice": request.query_params.get("notice"),
        },
        status_code=status_code,
        retry_after_seconds=retry_after_seconds,
        form_action_schemes=resumed_form_action(client, interaction),
    )


@router.get("/login")
def login_form(
    request: Request, query: Query, db: Db, clients: Clients, store: Store, settings: AppSettings
) -> Response:
    interaction = _interactions(store, settings).find(query.get("interaction"))
    hint = interaction.parameters.get("login_hint") if interaction else None
    return _login_page(request, db, clients, interaction, email=hint or "")


@router.post("/login")
def login_submit(
    request: Request,
    form: CsrfForm,
    db: Db,
    clients: Clients,
    store: Store,
    settings: AppSettings,
    passwords: PasswordsDep,
    budgets: BudgetsDep,
    devices: DeviceCookiesDep,
    policy: SessionPolicyDep,
    listener: SessionListener,
    mail: Mail,
    now: Now,
) -> Response:
    interaction = _interactions(store, settings).find(form.get("interaction"))
    email = form.text("email")
    # A field left empty is asked for by name, and no guess is counted (neither the
    # account's nor the address's): nothing was tried. A password may be all spaces.
    typed = {"email": email.strip(), "password": form.text("password")}
    missing = tuple(name for name, value in typed.items() if not value)
    if missing:
        return _login_page(
            request, db, clients, interaction, email=email, missing=missing, status_code=400
        )
    device_name = cookie_names(secure=settings.cookie_secure).device
    result = check_password_login(
        db,
        store,
        passwords,
        budgets,
        email=email,
        password=form.text("password"),
        address=client_address(request),
        devices=devices,
        device_cookie=request.cookies.get(device_name),
        now=now,
    )
    if result.warn_owner is not None:
        # After the answer: only a known email has an owner to warn, so the mail's cost or
        # its refusal (a 503) would tell the stranger guessing that the email has an account.
        owner = result.warn_owner
        mail.send_after_answer(notice_mail(owner.email, owner.locale, result.warning))
    if result.account is None:
        return _login_page(
            request,
            db,
            clients,
            interaction,
            email=email,
            error_code=result.error_code,
            retry_after_seconds=result.retry_after_seconds,
            status_code=LOGIN_REFUSAL_STATUS.get(result.error_code or "", 401),
        )
    response = _password_proven(
        request, db, store, settings, policy, listener, result.account, interaction, now
    )
    # The right password vouches for this browser from now on, for this account.
    vouch_for_browser(response, request, settings, devices, result.account.email, now)
    return response


def _password_proven(
    request: Request,
    db: Session,
    store: Store,
    settings: Settings,
    policy: SessionPolicy,
    listener: SessionListener,
    account: Account,
    interaction: Interaction | None,
    now: datetime,
) -> Response:
    """The answer to a right password: the second factor's step when the account has one,
    else the signed-in session and the way back to the portal (or the account)."""
    interaction_id = interaction.id if interaction else None
    if second_factors(db, account.id).any:
        pending = PendingSignIn.new(account.id, [AMR_PASSWORD], interaction_id)
        chosen = getattr(request.state, "locale_chosen", False)
        return start_second_factor(
            store, pending, secure=settings.cookie_secure, locale=None if chosen else account.locale
        )
    return complete_sign_in(
        db,
        policy,
        listener,
        browser_of(request, settings),
        account_id=account.id,
        amr=[AMR_PASSWORD],
        acr=ACR_SINGLE_FACTOR,
        target=ResumeAuthorization(store, settings.interaction_ttl_seconds, interaction_id),
        now=now,
    )


def _second_factor_page(
    request: Request,
    db: Session,
    store: Store,
    settings: Settings,
    pending: PendingSignIn,
    *,
    error_code: str | None = None,
    retry_after_seconds: int = 0,
    status_code: int = 200,
    method: str = "totp",
) -> Response:
    interaction = _interactions(store, settings).find(pending.interaction_id)
    client = None
    if interaction is not None:
        ui_locales = interaction.parameters.get("ui_locales")
        prefer_ui_locales(request.state, request.query_params.get("lang"), ui_locales)
        client = find_client(db, interaction.parameters.text("client_id"))
    return render_page(
        request,
        "authn/second_factor.html",
        {
            "factors": second_factors(db, pending.account_id),
            "error_code": error_code,
            "method": "recovery" if request.query_params.get("method") == "recovery" else method,
        },
        status_code=status_code,
        retry_after_seconds=retry_after_seconds,
        form_action_schemes=resumed_form_action(client, interaction),
    )


def _pending(request: Request, store: Store, settings: Settings) -> PendingSignIn | None:
    return PendingSignIns(store).find(pending_cookie_of(request, settings))


@router.get("/login/second-factor")
def second_factor_form(request: Request, db: Db, store: Store, settings: AppSettings) -> Response:
    pending = _pending(request, store, settings)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    return _second_factor_page(request, db, store, settings, pending)


@router.post("/login/second-factor")
def second_factor_submit(
    request: Request,
    form: CsrfForm,
    db: Db,
    store: Store,
    settings: AppSettings,
    master: Master,
    budgets: BudgetsDep,
    policy: SessionPolicyDep,
    listener: SessionListener,
    mail: Mail,
    now: Now,
) -> Response:
    pending = _pending(request, store, settings)
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    method = "recovery" if form.get("method") == "recovery" else "totp"
    if not form.text("code").strip():  # nothing typed: said so, and no guess counted
        return _second_factor_page(
            request, db, store, settings, pending, error_code="missing", status_code=400,
            method=method,
        )  # fmt: skip
    check = verify_code_factor(
        db,
        store,
        master,
        budgets.second_factor,
        account_id=pending.account_id,
        method=method,
        code=form.text("code"),
        now=now,
    )
    account = db.get(Account, pending.account_id)
    if account is None:
        return RedirectResponse("/login", status_code=303)
    if check.warn_owner:
        mail.send_after_answer(notice_mail(account.email, account.locale, "second_factor_attempts"))
    if not check.ok:
        status = 429 if check.reason == "locked" else 401
        return _second_factor_page(
            request,
            db,
            store,
            settings,
            pending,
            error_code=check.reason,
            retry_after_seconds=check.retry_after_seconds,
            status_code=status,
            method=method,
        )
    PendingSignIns(store).finish(pending.id)
    if method == "recovery":
        mail.send_after_answer(notice_mail(account.email, account.locale, "recovery_code_used"))
    amr = [*pending.amr, "otp"]
    if pending.step_up:
        return finish_step_up(request, db, store, settings, pending, amr, now)
    return complete_sign_in(
        db,
        policy,
        listener,
        browser_of(request, settings),
        account_id=account.id,
        amr=amr,
        acr=ACR_MULTI_FACTOR,
        target=ResumeAuthorization(store, settings.interaction_ttl_seconds, pending.interaction_id),
        now=now,
    )


@router.get("/account/step-up")
def console_step_up(
    request: Request, me: Me, query: Query, db: Db, store: Store, settings: AppSettings
) -> Response:
    """Prove a second factor again before a sensitive change, then come back to it."""
    return_to = safe_return_path(query.get("return"))
    if not second_factors(db, me.account.id).any:
        return render_page(request, "console/step_up_needed.html", {"return_to": return_to})
    pending = PendingSignIn.new(
        me.account.id, [], None, step_up=True, sid=me.session.sid, return_to=return_to
    )
    return start_second_factor(store, pending, secure=settings.cookie_secure)
