"""Officer pages: `/officer/invitations` (invite a person, as the PR portal does); the
enrolment review (`review_routes.py`) and representatives' suspension
(`representative_routes.py`) have modules of their own, gathered in `routers`.

They need an officer signed in with a second factor (`Officer`).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from idp.accounts.invitations import check_invitation, list_invitations
from idp.errors import IdpError, InvalidInput
from idp.http.csrf import CsrfForm
from idp.http.deps import AppSettings, Db, Now, Router
from idp.http.pages import render_page
from idp.notifications.deps import Mail
from idp.officer.deps import OFFICERS_ONLY, Officer
from idp.officer.invitations import invite
from idp.officer.representative_routes import router as representatives_router
from idp.officer.review_routes import router as review_router

router = Router()
INVITATIONS = "/officer/invitations"


def _page(
    request: Request, db: Session, now: Now, context: dict[str, Any], status_code: int = 200
) -> Response:
    rows = [
        {
            "email": i.email,
            "name": i.name,
            "created": i.created_at,
            "status": "accepted"
            if i.accepted_at
            else ("expired" if i.expires_at <= now else "open"),
        }
        for i in list_invitations(db)
    ]
    values = {"invitations": rows, "values": {}, "errors": {}, "created": None, **context}
    return render_page(request, "officer/invitations.html", values, status_code=status_code)


@router.get(INVITATIONS, dependencies=OFFICERS_ONLY)
def invitations_page(request: Request, db: Db, now: Now) -> Response:
    return _page(request, db, now, {})


@router.post(INVITATIONS)
def invitations_create(
    request: Request,
    form: CsrfForm,
    officer: Officer,
    db: Db,
    settings: AppSettings,
    mail: Mail,
    now: Now,
) -> Response:
    values = {
        "email": form.text("email"),
        "name": form.text("name"),
        "locale": "fr" if form.get("locale") == "fr" else "en",
    }
    errors = check_invitation(
        db, email=values["email"], name=values["name"], locale=values["locale"]
    )
    if errors:
        # 409 when the only problem is an existing account; otherwise the input is bad.
        status = 409 if errors == {"email": "email_taken"} else 400
        return _page(request, db, now, {"values": values, "errors": errors}, status)
    try:
        message = invite(
            db,
            issuer=settings.issuer,
            email=values["email"],
            name=values["name"],
            locale=values["locale"],
            invited_by=officer.account.id,
            now=now,
        )
    except InvalidInput as error:
        return _page(request, db, now, {"values": values, "errors": {error.field: error.code}}, 400)
    except IdpError as error:
        return _page(request, db, now, {"values": values, "errors": {"email": error.code}}, 409)
    mail.send(message)
    return _page(request, db, now, {"created": message.to})


routers = (router, review_router, representatives_router)
