"""JSON endpoints the passkey script calls, and the passkey management forms.

Every JSON call carries the page's CSRF token in `X-CSRF-Token` (the script reads it from
the page's meta tag); refusals are `application/problem+json` naming the reason. Adding
a passkey when the account already has a second factor, renaming or removing one need a
second factor proven in the last 15 minutes (DESIGN.md section 8), and each change is
mailed to the owner.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, RedirectResponse, Response

from adapters import EphemeralStore
from idp.accounts.models import Account
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.deps import (
    DeviceCookiesDep,
    Me,
    RecentSecondFactor,
    SessionListener,
    SessionPolicyDep,
    SignedIn,
)
from idp.authn.sessions import step_up_session
from idp.authn.signin import PendingSignIns, second_factors
from idp.authn.web import (
    ResumeAuthorization,
    browser_of,
    complete_sign_in,
    finish_step_up,
    keep_raised_session,
    pending_cookie_of,
    vouch_for_browser,
)
from idp.authn.webauthn import (
    PasskeyRejected,
    RelyingParty,
    authenticate_passkey,
    authentication_options,
    register_passkey,
    registration_options,
    remove_passkey,
    rename_passkey,
)
from idp.errors import CsrfRejected, InvalidParameters, StepUpRequired
from idp.http.csrf import CsrfForm, is_valid_csrf, refuse_cross_origin
from idp.http.deps import AppSettings, Db, Now, Router, Store
from idp.http.errors import problem
from idp.http.params import read_body
from idp.notifications.deps import Mail
from idp.notifications.mails import notice_mail

router = Router()
MAX_JSON_BYTES = 64 * 1024


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object a passkey call sent, once it came from this origin and its
    `X-CSRF-Token` matched."""
    refuse_cross_origin(request)
    if not is_valid_csrf(request.state.csrf_token, request.headers.get("x-csrf-token")):
        raise CsrfRejected("X-CSRF-Token is missing or wrong")
    try:
        data = json.loads(await read_body(request, MAX_JSON_BYTES) or b"{}")
    except (InvalidParameters, ValueError):
        raise InvalidParameters(
            f"the body must be a JSON object of at most {MAX_JSON_BYTES} bytes",
            code="invalid_json",
        ) from None
    if not isinstance(data, dict):
        raise InvalidParameters("the body must be a JSON object", code="invalid_json")
    return data


JsonBody = Annotated[dict[str, Any], Depends(json_body)]
CHECKED_JSON = [Depends(json_body)]  # for calls whose body carries nothing but the CSRF check


def _rp(settings: AppSettings) -> RelyingParty:
    return RelyingParty.from_issuer(settings.issuer)


def _rejected(error: PasskeyRejected) -> Response:
    return problem(
        400, f"passkey_{error.reason}", "Passkey refused", error.reason.replace("_", " ")
    )


def _may_add_passkey(db: Session, me: SignedIn, now: Now, path: str) -> None:
    """A first second factor needs no step-up; another one does (it changes the account's)."""
    if second_factors(db, me.account.id).any and not me.has_recent_second_factor(now):
        raise StepUpRequired(path)


@router.post("/webauthn/register/options", dependencies=CHECKED_JSON)
def register_options(me: Me, db: Db, store: Store, settings: AppSettings, now: Now) -> Response:
    _may_add_passkey(db, me, now, "/account/security")
    try:
        options = registration_options(db, store, _rp(settings), me.account)
    except PasskeyRejected as error:
        return _rejected(error)
    return Response(options, media_type="application/json")


@router.post("/webauthn/register/verify")
def register_verify(
    body: JsonBody, me: Me, db: Db, store: Store, settings: AppSettings, mail: Mail, now: Now
) -> Response:
    _may_add_passkey(db, me, now, "/account/security")
    credential, name = body.get("credential"), body.get("name")
    if not isinstance(credential, dict) or not isinstance(name, str):
        return problem(
            400,
            "validation_error",
            "Invalid input",
            "credential and name are required",
            errors=[{"field": "credential", "message": "required", "limit": None}],
        )
    try:
        passkey = register_passkey(db, store, _rp(settings), me.account.id, credential, name, now)
    except PasskeyRejected as error:
        return _rejected(error)
    # The passkey just made proves itself (user verification): a second-factor session now.
    amr = ["swk" if passkey.backed_up else "hwk", "user"]
    raised = step_up_session(
        db, me.cookie, account_id=me.account.id, amr=amr, acr=ACR_MULTI_FACTOR, now=now
    )
    mail.send_after_answer(notice_mail(me.account.email, me.account.locale, "passkey_added"))
    response = JSONResponse({"redirect": "/account/security?notice=passkey_added"})
    keep_raised_session(response, raised, secure=settings.cookie_secure)
    return response


@router.post("/webauthn/authenticate/options")
def authenticate_options(
    request: Request, body: JsonBody, db: Db, store: Store, settings: AppSettings
) -> Response:
    pending = PendingSignIns(store).find(pending_cookie_of(request, settings))
    account_id = pending.account_id if body.get("mode") == "second-factor" and pending else None
    options, challenge_id = authentication_options(db, store, _rp(settings), account_id)
    answer = json.loads(options)
    answer["challengeId"] = challenge_id
    return JSONResponse(answer)


def _signed_in_with_passkey(
    request: Request,
    db: Session,
    store: EphemeralStore,
    settings: AppSettings,
    policy: SessionPolicyDep,
    listener: SessionListener,
    account_id: str,
    amr: list[str],
    interaction_id: str | None,
    now: Now,
) -> Response:
    pendings = PendingSignIns(store)
    pending = pendings.find(pending_cookie_of(request, settings))
    if pending is not None and pending.account_id == account_id:
        pendings.finish(pending.id)
        if pending.step_up:
            return finish_step_up(request, db, store, settings, pending, [*pending.amr, *amr], now)
        amr, interaction_id = [*pending.amr, *amr], pending.interaction_id
    return complete_sign_in(
        db,
        policy,
        listener,
        browser_of(request, settings),
        account_id=account_id,
        amr=amr,
        acr=ACR_MULTI_FACTOR,
        target=ResumeAuthorization(store, settings.interaction_ttl_seconds, interaction_id),
        now=now,
    )


@router.post("/webauthn/authenticate/verify")
def authenticate_verify(
    request: Request,
    body: JsonBody,
    db: Db,
    store: Store,
    settings: AppSettings,
    policy: SessionPolicyDep,
    listener: SessionListener,
    devices: DeviceCookiesDep,
    now: Now,
) -> Response:
    credential, challenge_id = body.get("credential"), body.get("challengeId")
    if not isinstance(credential, dict) or not isinstance(challenge_id, str):
        return problem(
            400, "validation_error", "Invalid input", "credential and challengeId are required"
        )
    try:
        signed = authenticate_passkey(db, store, _rp(settings), challenge_id, credential, now)
    except PasskeyRejected as error:
        return _rejected(error)
    interaction = body.get("interaction") if isinstance(body.get("interaction"), str) else None
    redirect = _signed_in_with_passkey(
        request,
        db,
        store,
        settings,
        policy,
        listener,
        signed.account_id,
        signed.amr,
        interaction or None,
        now,
    )
    response = JSONResponse({"redirect": redirect.headers["location"]})
    for key, value in redirect.headers.items():
        if key == "set-cookie":
            response.headers.append("set-cookie", value)
    # The passkey vouches for this browser, as a right password does (login.py): its owner
    # keeps the password path from a shared address that others used up.
    account = db.get(Account, signed.account_id)  # in the session already
    if account is not None:
        vouch_for_browser(response, request, settings, devices, account.email, now)
    return response


@router.post("/account/security/passkeys/rename")
def passkey_rename(form: CsrfForm, me: RecentSecondFactor, db: Db) -> Response:
    done = rename_passkey(db, me.account.id, form.text("credential_id"), form.text("name"))
    notice = "passkey_renamed" if done else ""
    return RedirectResponse(f"/account/security?notice={notice}", status_code=303)


@router.post("/account/security/passkeys/remove")
def passkey_remove(form: CsrfForm, me: RecentSecondFactor, db: Db, mail: Mail) -> Response:
    done = remove_passkey(db, me.account.id, form.text("credential_id"))
    if done:
        mail.send_after_answer(notice_mail(me.account.email, me.account.locale, "passkey_removed"))
    notice = "passkey_removed" if done else ""
    return RedirectResponse(f"/account/security?notice={notice}", status_code=303)
