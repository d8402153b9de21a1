"""Enrolment pages: the profile (`/enrolment/profile`), the declaration and submission
(`/enrolment/submit`) and the receipt (`/enrolment/receipt`).

Every field at fault is named beside it at once, what was typed stays in the form, and a
saved draft stays saved: signing out and back in finds it as it was.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from adapters import MembershipRegister
from idp.authn.deps import Me
from idp.enrolment import web
from idp.enrolment.deps import Register, SecondFactorReady
from idp.enrolment.documents import documents_of
from idp.enrolment.models import Enrolment
from idp.enrolment.profile import Profile, check_profile, clean_profile
from idp.enrolment.service import (
    EnrolmentStatus,
    find_latest_enrolment,
    profile_of,
    progress_of,
    save_profile,
    submit_enrolment,
)
from idp.enrolment.views import document_view, enrolment_view
from idp.errors import InvalidInput
from idp.http.csrf import CsrfForm
from idp.http.deps import Db, Now, Router
from idp.http.pages import render_page
from idp.notifications.deps import Mail
from idp.notifications.enrolment_mails import receipt_mail

router = Router()
LIMITS = {
    "legal_name": 200,
    "firm": 200,
    "street_address": 200,
    "locality": 100,
    "region": 100,
    "postal_code": 16,
    "country": 100,
    "phone": 32,
    "contact_email": 254,
    "membership_number": 32,
}


def _profile_page(
    request: Request,
    register: MembershipRegister,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "values": values,
        "errors": errors,
        "limits": LIMITS,
        "types": web.type_choices(),
        "bodies": web.body_options(register),
        "notice": request.query_params.get("notice"),
    }
    return render_page(request, "enrolment/profile.html", context, status_code=status)


@router.get(web.PROFILE)
def profile_form(
    request: Request, me: Me, db: Db, register: Register, ready: SecondFactorReady
) -> Response:
    enrolment = web.editable_enrolment(db, me.account.id, ready)
    if isinstance(enrolment, Response):
        return enrolment
    return _profile_page(request, register, asdict(profile_of(enrolment)), {})


@router.post(web.PROFILE)
def profile_save(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    register: Register,
    ready: SecondFactorReady,
    now: Now,
) -> Response:
    enrolment = web.editable_enrolment(db, me.account.id, ready)
    if isinstance(enrolment, Response):
        return enrolment
    typed = Profile(**{name: form.text(name) for name in Profile.field_names()})
    errors = check_profile(typed, register)
    if errors:
        return _profile_page(request, register, asdict(typed), errors, 400)
    save_profile(db, enrolment, clean_profile(typed), now)
    return web.go(f"{web.DOCUMENTS}?notice=profile_saved")


def _summary(db: Session, register: MembershipRegister, enrolment: Enrolment) -> dict[str, Any]:
    # Plain values: a refused submission is kept for its language switch (`idp.http.snapshots`).
    return {
        "enrolment": asdict(enrolment_view(enrolment)),
        "documents": [
            asdict(document_view(d)) for _, d in sorted(documents_of(db, enrolment.id).items())
        ],
        "type_labels": dict(web.type_choices()),
        "document_labels": dict(web.document_choices()),
        "body": web.body_names(register, enrolment.membership_body),
        "errors": {},
    }


@router.get(web.SUBMIT)
def submit_form(
    request: Request, me: Me, db: Db, register: Register, ready: SecondFactorReady
) -> Response:
    enrolment = web.editable_enrolment(db, me.account.id, ready)
    if isinstance(enrolment, Response):
        return enrolment
    context = _summary(db, register, enrolment)
    return render_page(request, "enrolment/submit.html", context)


@router.post(web.SUBMIT)
def submit(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    register: Register,
    ready: SecondFactorReady,
    mail: Mail,
    now: Now,
) -> Response:
    enrolment = web.editable_enrolment(db, me.account.id, ready)
    if isinstance(enrolment, Response):
        return enrolment
    progress = progress_of(db, enrolment, second_factor=ready)
    try:
        submit_enrolment(
            db, enrolment, progress, declared=form.get("declaration") == "yes", now=now
        )
    except InvalidInput as error:
        context = _summary(db, register, enrolment)
        context["errors"] = {error.field: error.code}
        return render_page(request, "enrolment/submit.html", context, status_code=400)
    submitted = now.strftime("%Y-%m-%d %H:%M UTC")
    mail.send(receipt_mail(me.account.email, me.account.locale, enrolment.reference, submitted))
    return web.go(web.RECEIPT)


@router.get(web.RECEIPT)
def receipt(request: Request, me: Me, db: Db) -> Response:
    enrolment = find_latest_enrolment(db, me.account.id)
    if enrolment is None or enrolment.submitted_at is None:
        return web.go(web.HOME)
    context = {
        "reference": enrolment.reference,
        "submitted": enrolment.submitted_at,
        "email": me.account.email,
        "pending": enrolment.status == EnrolmentStatus.SUBMITTED.value,
    }
    return render_page(request, "enrolment/receipt.html", context)
