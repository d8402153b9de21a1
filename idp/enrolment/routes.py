"""Enrolment pages, first steps: `/enrolment` (start, follow, answer an officer), the
email code (`/enrolment/email`, the conversion code for a client account) and the second
factor (`/enrolment/second-factor`).

The profile, declaration and receipt are in `profile_routes.py`, the documents in
`document_routes.py`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from idp.authn.deps import MaybeMe, Me, SignedIn
from idp.authn.signin import second_factors
from idp.enrolment import web
from idp.enrolment.codes import (
    CODE_TTL_SECONDS,
    confirm_email,
    seconds_before_resend,
    send_code,
)
from idp.enrolment.conversion_routes import router as conversion_router
from idp.enrolment.deps import SecondFactorReady, has_second_factor_session
from idp.enrolment.document_routes import router as document_router
from idp.enrolment.models import Enrolment
from idp.enrolment.profile_routes import router as profile_router
from idp.enrolment.service import (
    answer_information_request,
    events_of,
    find_latest_enrolment,
    find_open_enrolment,
    is_client_account,
    progress_of,
    start_enrolment,
)
from idp.enrolment.views import enrolment_view, representative_view
from idp.errors import IdpError, InvalidInput
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import Db, Now, Router, Store
from idp.http.pages import render_page
from idp.notifications.deps import Mail
from idp.notifications.enrolment_mails import enrolment_code_mail
from idp.representatives.service import find_representative_of_account

router = Router()


def _question(db: Session, enrolment: Enrolment) -> str:
    asked = [e.message for e in events_of(db, enrolment.id) if e.event == "information_requested"]
    return asked[-1] if asked else ""


def _home_context(request: Request, db: Session, me: SignedIn) -> dict[str, Any]:
    enrolment = find_open_enrolment(db, me.account.id)
    ready = has_second_factor_session(db, me)
    latest = find_latest_enrolment(db, me.account.id)
    representative = find_representative_of_account(db, me.account.id)
    # Plain values: a refused answer is kept for its language switch (`idp.http.snapshots`).
    return {
        "signed_in": True,
        "enrolment": asdict(enrolment_view(enrolment)) if enrolment else None,
        "progress": (
            asdict(progress_of(db, enrolment, second_factor=ready)) if enrolment else None
        ),
        "question": _question(db, enrolment) if enrolment else "",
        "latest": asdict(enrolment_view(latest)) if latest else None,
        "representative": asdict(representative_view(representative)) if representative else None,
        "conversion": is_client_account(db, me.account),
        "notice": request.query_params.get("notice"),
        "values": {},
        "errors": {},
    }


@router.get(web.HOME)
def enrolment_home(request: Request, me: MaybeMe, db: Db) -> Response:
    if me is None:
        return render_page(request, "enrolment/home.html", {"signed_in": False})
    return render_page(request, "enrolment/home.html", _home_context(request, db, me))


def _mail_code(store: Store, mail: Mail, me: SignedIn, enrolment: Enrolment, now: Now) -> bool:
    code = send_code(store, enrolment, now)
    if code is None:
        return False
    mail.send(
        enrolment_code_mail(
            me.account.email, me.account.locale, code, conversion=enrolment.conversion
        )
    )
    return True


@router.post(web.HOME + "/start", dependencies=CSRF_CHECKED)
def enrolment_start(me: Me, db: Db, store: Store, mail: Mail, now: Now) -> Response:
    enrolment = start_enrolment(db, me.account, now)
    if enrolment.email_confirmed_at is not None:
        return web.go(web.HOME)
    _mail_code(store, mail, me, enrolment, now)
    return web.go(web.EMAIL)


def _email_page(
    request: Request, enrolment: Enrolment, me: SignedIn, error: str | None, status: int = 200
) -> Response:
    context = {
        "email": me.account.email,
        "conversion": enrolment.conversion,
        "minutes": CODE_TTL_SECONDS // 60,
        "error": error,
        "notice": request.query_params.get("notice"),
    }
    return render_page(request, "enrolment/email.html", context, status_code=status)


@router.get(web.EMAIL)
def email_form(request: Request, me: Me, db: Db) -> Response:
    enrolment = find_open_enrolment(db, me.account.id)
    if enrolment is None:
        return web.go(web.HOME)
    if enrolment.email_confirmed_at is not None:
        return web.go(web.SECOND_FACTOR)
    return _email_page(request, enrolment, me, None)


@router.post(web.EMAIL)
def email_confirm(
    request: Request, form: CsrfForm, me: Me, db: Db, store: Store, now: Now
) -> Response:
    enrolment = find_open_enrolment(db, me.account.id)
    if enrolment is None or enrolment.email_confirmed_at is not None:
        return web.go(web.HOME)
    if not form.text("code").strip():  # nothing typed: asked for, and no guess counted
        return _email_page(request, enrolment, me, "missing", 400)
    result = confirm_email(db, store, enrolment, form.text("code"), now)
    if not result.ok:
        return _email_page(request, enrolment, me, result.reason, 400)
    return web.go(web.SECOND_FACTOR)


@router.post(web.EMAIL + "/resend", dependencies=CSRF_CHECKED)
def email_resend(me: Me, db: Db, store: Store, mail: Mail, now: Now) -> Response:
    enrolment = find_open_enrolment(db, me.account.id)
    if enrolment is None or enrolment.email_confirmed_at is not None:
        return web.go(web.HOME)
    if _mail_code(store, mail, me, enrolment, now):
        return web.go(f"{web.EMAIL}?notice=sent")
    wait = seconds_before_resend(store, enrolment, now)
    return web.go(f"{web.EMAIL}?notice=wait_{wait}")


@router.get(web.SECOND_FACTOR)
def second_factor_step(request: Request, me: Me, db: Db, ready: SecondFactorReady) -> Response:
    enrolment = find_open_enrolment(db, me.account.id)
    if enrolment is None or enrolment.email_confirmed_at is None:
        return web.go(web.HOME if enrolment is None else web.EMAIL)
    if ready:
        return web.go(web.PROFILE)
    context = {"has_factor": second_factors(db, me.account.id).any, "return_to": web.PROFILE}
    return render_page(request, "enrolment/second_factor.html", context)


@router.post(web.HOME + "/answer")
def answer(request: Request, form: CsrfForm, me: Me, db: Db, now: Now) -> Response:
    """The person answers an officer's request for information, in the same enrolment."""
    enrolment = find_open_enrolment(db, me.account.id)
    if enrolment is None:
        return web.go(web.HOME)
    try:
        answer_information_request(db, enrolment, form.text("answer"), now)
    except InvalidInput as error:
        context = _home_context(request, db, me) | {
            "values": {"answer": form.text("answer")},
            "errors": {"answer": error.code},
        }
        return render_page(
            request, "enrolment/home.html", context, status_code=400, address=web.HOME
        )
    except IdpError:
        return web.go(web.HOME)
    return web.go(f"{web.HOME}?notice=answered")


routers = (router, profile_router, document_router, conversion_router)
