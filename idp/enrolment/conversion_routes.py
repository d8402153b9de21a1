"""Pages of account conversion on the client's side: say which applications were filed for
someone else (`/account/applications/{id}/filed-for`), and, as that someone, confirm a
client file made for you (`/account/client-files`)."""

from __future__ import annotations

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from consent import ConsentError, get_application
from idp.authn.deps import Me
from idp.clients.deps import Portals
from idp.delegation.deps import Events
from idp.enrolment import web
from idp.enrolment.conversion import (
    check_filed_for,
    client_files_to_confirm,
    confirm_client_file,
    filed_for_marks,
    mark_filed_for,
    unmark_filed_for,
)
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import Db, Now, Router
from idp.http.pages import render_page

router = Router()
FILED_FOR = "/account/applications/{application_id}/filed-for"
CLIENT_FILES = "/account/client-files"


def _own_application(
    db: Db, me: Me, portals: Portals, application_id: str
) -> tuple[str, dict[str, str]]:
    """The person's application and its label in each page language: a refused form is kept
    for its language switch (`idp.http.snapshots`), and the template picks the page's."""
    try:
        application = get_application(db, application_id[:32])
    except ConsentError:
        raise HTTPException(404) from None
    if application.applicant_subject != me.subject:
        raise HTTPException(404)
    programs = portals.program_in_each_language(application.portal_client_id, application.program)
    labels = {language: f"{p} {application.portal_reference}" for language, p in programs.items()}
    return application.id, labels


@router.get(FILED_FOR)
def filed_for_form(
    request: Request, application_id: str, me: Me, db: Db, portals: Portals
) -> Response:
    app_id, labels = _own_application(db, me, portals, application_id)
    mark = filed_for_marks(db, me.account.id).get(app_id)
    values = (
        {"applicant_name": mark.applicant_name, "applicant_email": mark.applicant_email}
        if mark
        else {}
    )
    context = {
        "application_id": app_id,
        "labels": labels,
        "values": values,
        "errors": {},
        "marked": mark is not None,
    }
    return render_page(request, "enrolment/filed_for.html", context)


@router.post(FILED_FOR)
def filed_for_save(
    request: Request,
    application_id: str,
    form: CsrfForm,
    me: Me,
    db: Db,
    portals: Portals,
    now: Now,
) -> Response:
    app_id, labels = _own_application(db, me, portals, application_id)
    if form.get("action") == "remove":
        unmark_filed_for(db, me.account, app_id)
        return web.go("/account/applications?notice=filed_for_removed")
    values = {
        "applicant_name": form.text("applicant_name"),
        "applicant_email": form.text("applicant_email"),
    }
    errors = check_filed_for(me.account, values["applicant_name"], values["applicant_email"])
    if errors:
        context = {
            "application_id": app_id,
            "labels": labels,
            "values": values,
            "errors": errors,
            "marked": False,
        }
        return render_page(request, "enrolment/filed_for.html", context, status_code=400)
    mark_filed_for(
        db,
        me.account,
        app_id,
        name=values["applicant_name"],
        email=values["applicant_email"],
        now=now,
    )
    return web.go("/account/applications?notice=filed_for_saved")


@router.get(CLIENT_FILES)
def client_files(request: Request, me: Me, db: Db, portals: Portals) -> Response:
    files = []
    for client_file in client_files_to_confirm(db, me.account):
        application = get_application(db, client_file.application_id)
        program = portals.program(application.portal_client_id, application.program)
        files.append({"id": client_file.id, "label": f"{program} {application.portal_reference}"})
    context = {"files": files, "notice": request.query_params.get("notice")}
    return render_page(request, "enrolment/client_files.html", context)


@router.post(CLIENT_FILES + "/{client_file_id}/confirm", dependencies=CSRF_CHECKED)
def client_file_confirm(client_file_id: str, me: Me, db: Db, events: Events, now: Now) -> Response:
    confirmed = confirm_client_file(db, events, me.account, client_file_id, now)
    return web.go(f"{CLIENT_FILES}?notice={'confirmed' if confirmed else 'not_found'}")
