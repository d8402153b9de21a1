"""Pages to bring an account from a legacy portal: `/account/legacy` (prove it with its
password, or ask for a code at its email), `/account/legacy/code` (enter the code),
`/account/legacy/confirm` (see what will be linked, confirm or cancel).

Wrong answers say the same whether the username, the password or the code was wrong, and
asking for a code says the same whether or not the username exists.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from idp.authn.deps import BudgetsDep, Me, SignedIn
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import Db, Now, Router, Store
from idp.http.pages import render_page
from idp.legacy.linking import (
    candidates_for,
    forget_proof,
    legacy_portals,
    legacy_view,
    link_proven_account,
    linked_to,
    portal_name,
    portal_names,
    prove_with_email_code,
    prove_with_password,
    proven_account,
    start_email_proof,
)
from idp.legacy.mails import legacy_linked_mail
from idp.notifications.deps import Mail

router = Router()
LEGACY = "/account/legacy"
CONFIRM = f"{LEGACY}/confirm"


def _page(
    request: Request,
    db: Session,
    me: SignedIn,
    extra: dict[str, Any],
    status_code: int = 200,
    retry_after_seconds: int = 0,
) -> Response:
    """The legacy-accounts page; a rate-limited answer carries its wait (`Retry-After`)."""
    locale = request.state.locale
    context = {
        # Names in each language: a refused form may be kept for its language switch.
        "portals": [(slug, portal_names(slug)) for slug in legacy_portals(db)],
        "suggested": [legacy_view(c, locale) for c in candidates_for(db, me.account)],
        "linked": [legacy_view(row, locale) for row in linked_to(db, me.account)],
        "values": {},
        "error": None,
        "missing": (),
        "notice": request.query_params.get("notice"),
        **extra,
    }
    return render_page(
        request,
        "legacy/link.html",
        context,
        status_code=status_code,
        address=LEGACY,
        retry_after_seconds=retry_after_seconds,
    )


@router.get(LEGACY)
def legacy_home(request: Request, me: Me, db: Db) -> Response:
    return _page(request, db, me, {})


@router.post(f"{LEGACY}/password")
def prove_password(
    request: Request, form: CsrfForm, me: Me, db: Db, store: Store, budgets: BudgetsDep
) -> Response:
    values = {"portal": form.text("portal"), "username": form.text("username")}
    typed = {"username": values["username"].strip(), "password": form.text("password")}
    missing = tuple(name for name, value in typed.items() if not value)
    if missing:  # nothing typed: asked for by name, and no guess counted in either budget
        return _page(request, db, me, {"values": values, "missing": missing}, 400)
    proof = prove_with_password(
        db, store, budgets.password_per_account, me.account, password=form.text("password"),
        **values,
    )  # fmt: skip
    if proof.ok:
        return RedirectResponse(CONFIRM, status_code=303)
    status = 429 if proof.reason == "rate_limited" else 400
    extra = {"values": values, "error": proof.reason}
    return _page(request, db, me, extra, status, proof.retry_after_seconds)


@router.post(f"{LEGACY}/code")
def send_code(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    store: Store,
    budgets: BudgetsDep,
    mail: Mail,
) -> Response:
    values = {"portal": form.text("portal"), "username": form.text("code-username")}
    if not values["username"].strip():  # nothing typed: asked for, and no code counted
        return _page(request, db, me, {"values": values, "missing": ("code-username",)}, 400)
    proof, message = start_email_proof(
        db, store, budgets.email_code, me.account, locale=request.state.locale, **values
    )
    if not proof.ok:
        extra = {"values": values, "error": proof.reason}
        return _page(request, db, me, extra, 429, proof.retry_after_seconds)
    if message is not None:  # after the answer: a known username must not take longer, or fail
        mail.send_after_answer(message)
    context: dict[str, Any] = {"portal": values["portal"], "username": values["username"]}
    context |= {"portal_names": portal_names(values["portal"]), "error": None}
    return render_page(request, "legacy/code.html", context, address=LEGACY)


@router.post(f"{LEGACY}/code/verify")
def verify_code(request: Request, form: CsrfForm, me: Me, store: Store) -> Response:
    # The portal's names in each language: the page is kept for its language switch.
    portal = form.text("portal")
    context: dict[str, Any] = {"portal": portal, "portal_names": portal_names(portal)}
    context |= {"username": form.text("username")}
    if not form.text("code").strip():  # nothing typed: asked for, and no guess counted
        context |= {"error": "missing"}
        return render_page(request, "legacy/code.html", context, status_code=400, address=LEGACY)
    proof = prove_with_email_code(store, me.account, form.text("code"))
    if proof.ok:
        return RedirectResponse(CONFIRM, status_code=303)
    context |= {"error": proof.reason}
    return render_page(request, "legacy/code.html", context, status_code=400, address=LEGACY)


@router.get(CONFIRM)
def confirm_form(request: Request, me: Me, db: Db, store: Store) -> Response:
    legacy = proven_account(db, store, me.account)
    if legacy is None:
        return RedirectResponse(f"{LEGACY}?notice=expired", status_code=303)
    context = {"legacy": legacy_view(legacy, request.state.locale), "name": legacy.name}
    return render_page(request, "legacy/confirm.html", context)


@router.post(CONFIRM, dependencies=CSRF_CHECKED)
def confirm_link(me: Me, db: Db, store: Store, mail: Mail, now: Now) -> Response:
    linked = link_proven_account(db, store, me.account, now)
    if linked is None:
        return RedirectResponse(f"{LEGACY}?notice=expired", status_code=303)
    legacy, numbers = linked
    name = portal_name(legacy.legacy_portal, me.account.locale)
    mail.send(
        legacy_linked_mail(
            me.account.email, me.account.locale, portal=name, username=legacy.username,
            count=len(numbers),
        )
    )  # fmt: skip
    return RedirectResponse(f"{LEGACY}?notice=linked", status_code=303)


@router.post(f"{LEGACY}/cancel", dependencies=CSRF_CHECKED)
def cancel(me: Me, store: Store) -> Response:
    forget_proof(store, me.account)
    return RedirectResponse(LEGACY, status_code=303)
