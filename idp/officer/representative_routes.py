"""Officer page `/officer/representatives`: find a representative by email or
representative ID, suspend them with a reason, or reinstate them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.delegation.deps import Events
from idp.enrolment.views import representative_view
from idp.errors import InvalidInput
from idp.http.csrf import CsrfForm
from idp.http.deps import Db, Now, Router
from idp.http.pages import render_page
from idp.http.params import Query
from idp.notifications.deps import Mail
from idp.officer.deps import OFFICERS_ONLY, Officer
from idp.officer.suspension import reinstate, suspend
from idp.representatives.models import Representative

router = Router()
REPRESENTATIVES = "/officer/representatives"
MAX_QUERY_LENGTH = 254


def _find(db: Session, query: str) -> tuple[Account | None, Representative | None]:
    """The account by email, or by representative ID."""
    account = find_account_by_email(db, query)
    if account is None:
        representative = db.scalar(
            select(Representative).where(Representative.representative_id == query.upper())
        )
        account = db.get(Account, representative.account_id) if representative else None
    if account is None:
        return None, None
    return account, db.get(Representative, account.id)


def _page(
    request: Request, db: Session, query: str, extra: dict[str, Any], status: int = 200
) -> Response:
    account, representative = _find(db, query) if query else (None, None)
    # Plain values: a refused reason is kept for its language switch (`idp.http.snapshots`).
    context = {
        "query": query,
        "account": {"name": account.name, "email": account.email} if account else None,
        "representative": asdict(representative_view(representative)) if representative else None,
        "errors": {},
        "values": {},
        "notice": request.query_params.get("notice"),
        **extra,
    }
    address = f"{REPRESENTATIVES}?{urlencode({'q': query})}" if query else REPRESENTATIVES
    return render_page(
        request, "officer/representatives.html", context, status_code=status, address=address
    )


@router.get(REPRESENTATIVES, dependencies=OFFICERS_ONLY)
def representatives_page(request: Request, query: Query, db: Db) -> Response:
    return _page(request, db, query.text("q")[:MAX_QUERY_LENGTH].strip(), {})


@router.post(REPRESENTATIVES + "/status")
def change_status(
    request: Request,
    form: CsrfForm,
    officer: Officer,
    db: Db,
    events: Events,
    mail: Mail,
    now: Now,
) -> Response:
    query = form.text("q")[:MAX_QUERY_LENGTH].strip()
    account, _ = _find(db, query)
    if account is None:
        return _page(request, db, query, {"errors": {"q": "unknown_person"}}, 400)
    try:
        if form.get("action") == "reinstate":
            change = reinstate(
                db, events, account, by=officer.subject, reason=form.text("reason"), now=now
            )
        else:
            change = suspend(
                db, events, account, by=officer.subject, reason=form.text("reason"), now=now
            )
    except InvalidInput as error:
        extra = {"errors": {"reason": error.code}, "values": {"reason": form.text("reason")}}
        return _page(request, db, query, extra, 400)
    mail.send(change.mail)
    notice = (
        f"reinstated_{change.delegations}"
        if form.get("action") == "reinstate"
        else f"suspended_{change.delegations}"
    )
    target = urlencode({"q": account.email, "notice": notice})
    return RedirectResponse(f"{REPRESENTATIVES}?{target}", status_code=303)
