"""`/officer/identity-checks`: people who lost every second factor, waiting for an officer
to confirm who they are (`idp.authn.identity_checks`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from consent import applications_of_applicant
from idp.accounts.models import Account
from idp.authn.deps import SessionListener
from idp.authn.identity_checks import decide_identity_check, pending_identity_checks
from idp.errors import Conflict, InvalidInput, NotFound
from idp.http.csrf import CsrfForm
from idp.http.deps import Db, Now, Router
from idp.http.pages import render_page
from idp.notifications.deps import Mail
from idp.notifications.mails import identity_check_mail
from idp.oauth.tokens import revoke_account_grants
from idp.officer.deps import OFFICERS_ONLY, Officer

router = Router()
CHECKS = "/officer/identity-checks"


def _rows(db: Session) -> list[dict[str, Any]]:
    rows = []
    for check in pending_identity_checks(db):
        account = db.get(Account, check.account_id)
        if account is None:
            continue
        numbers = [a.portal_reference for a in applications_of_applicant(db, account.subject)]
        rows.append(
            {
                "id": check.id,
                "reference": check.reference,
                "received": check.created_at,
                "account_name": account.name,
                "account_email": account.email,
                "applications": numbers,
                "details": check.details,
            }
        )
    return rows


def _page(request: Request, db: Session, notice: str | None = None, status: int = 200) -> Response:
    context = {"checks": _rows(db), "notice": notice or request.query_params.get("notice")}
    return render_page(request, "officer/identity_checks.html", context, status_code=status)


@router.get(CHECKS, dependencies=OFFICERS_ONLY)
def identity_checks(request: Request, db: Db) -> Response:
    return _page(request, db)


@router.post(CHECKS + "/{check_id}")
def decide(
    request: Request,
    check_id: str,
    form: CsrfForm,
    officer: Officer,
    db: Db,
    listener: SessionListener,
    mail: Mail,
    now: Now,
) -> Response:
    approve = form.get("decision") == "approve"
    try:
        check, account = decide_identity_check(
            db,
            check_id,
            approve=approve,
            reason=form.text("reason"),
            officer_id=officer.account.id,
            now=now,
            listener=listener,
        )
    except (InvalidInput, Conflict, NotFound) as error:
        return _page(request, db, error.code, 400 if isinstance(error, InvalidInput) else 409)
    if approve:
        revoke_account_grants(db, account.id, "identity_checked", now)
    event = "approved" if approve else "rejected"
    mail.send(
        identity_check_mail(account.email, account.locale, event, check.reference, check.reason)
    )
    return RedirectResponse(f"{CHECKS}?notice={event}", status_code=303)
