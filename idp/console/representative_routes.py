"""The representative's side of delegation: "People I act for" (accept an appointment, ask
for access to an application by its number).

Asking for access answers the same whether or not the email and the application number
match an applicant: the page must not tell a stranger who has which application.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, tzinfo

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from consent import (
    ACTION_LABELS,
    KIND_LABELS,
    Action,
    ConsentError,
    Delegation,
    DelegationKind,
    DelegationRequest,
    applications_of_applicant,
    delegations_of_actor,
    get_delegation,
    parse_actions,
)
from idp.accounts.service import MAX_EMAIL_LENGTH, validate_email
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.deps import Me, SignedIn
from idp.clients.deps import Portals, Profiles
from idp.console.views import delegation_view, people
from idp.delegation import service
from idp.delegation.deps import Events
from idp.delegation.notices import notify
from idp.errors import InvalidInput, StepUpRequired
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import AppSettings, Db, Now, Router
from idp.http.pages import render_page
from idp.http.params import Params
from idp.notifications.deps import Mail
from idp.representatives.service import find_representative, is_active

router = Router()
DELEGATIONS = "/account/delegations"
MAX_NUMBER_LENGTH = 64


def _delegations_page(
    request: Request,
    me: SignedIn,
    db: Session,
    portals: Portals,
    now: datetime,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page, also when it answers the request form (refused): plain values, names in
    each page language, so that answer is kept for its language switch (`idp.http.snapshots`)
    with what was typed and the errors."""
    delegations = delegations_of_actor(db, me.subject)
    names = people(db, {d.principal_subject for d in delegations})
    representative = find_representative(db, me.subject)
    context: dict[str, object] = {
        "delegations": [asdict(delegation_view(db, d, names, portals, now)) for d in delegations],
        "notice": request.query_params.get("notice"),
        "actions": [(a.value, ACTION_LABELS[a]) for a in Action],
        "values": values or {},
        "errors": errors or {},
        "limits": {"application_number": MAX_NUMBER_LENGTH, "email": MAX_EMAIL_LENGTH},
        "asking_as": KIND_LABELS[
            DelegationKind.REPRESENTATIVE_PAID
            if service.is_approved_representative(db, me.subject)
            else DelegationKind.REPRESENTATIVE_UNPAID
        ],
        # shown only while the representative record is active
        "representative_id": representative.representative_id
        if representative is not None and is_active(representative)
        else None,
    }
    return render_page(
        request, "console/delegations.html", context, status_code=status_code, address=DELEGATIONS
    )


@router.get(DELEGATIONS)
def delegations_to_me(request: Request, me: Me, db: Db, portals: Portals, now: Now) -> Response:
    return _delegations_page(request, me, db, portals, now)


@router.post(DELEGATIONS + "/{delegation_id}/accept", dependencies=CSRF_CHECKED)
def accept(
    delegation_id: str, me: Me, db: Db, profiles: Profiles, events: Events, mail: Mail, now: Now
) -> Response:
    try:
        paid = get_delegation(db, delegation_id[:32]).kind == DelegationKind.REPRESENTATIVE_PAID
    except ConsentError as error:
        return RedirectResponse(f"{DELEGATIONS}?notice={error.code}", status_code=303)
    if paid and me.session.acr != ACR_MULTI_FACTOR:
        raise StepUpRequired(DELEGATIONS)  # paid representation needs a second factor
    try:
        delegation = service.accept(db, events, delegation_id[:32], me.subject, now)
    except ConsentError as error:
        return RedirectResponse(f"{DELEGATIONS}?notice={error.code}", status_code=303)
    notify(mail, db, profiles, delegation, "accepted")
    return RedirectResponse(f"{DELEGATIONS}?notice=accepted", status_code=303)


@router.post(DELEGATIONS + "/{delegation_id}/decline", dependencies=CSRF_CHECKED)
def decline(
    delegation_id: str, me: Me, db: Db, profiles: Profiles, events: Events, mail: Mail, now: Now
) -> Response:
    """The representative says no to an appointment; the applicant is told."""
    try:
        delegation = service.decline(db, events, delegation_id[:32], me.subject, now)
    except ConsentError as error:
        return RedirectResponse(f"{DELEGATIONS}?notice={error.code}", status_code=303)
    notify(mail, db, profiles, delegation, "declined")
    return RedirectResponse(f"{DELEGATIONS}?notice=declined", status_code=303)


def _request_errors(number: str, email: str) -> dict[str, str]:
    """Every field at fault, in the form's order. Only the form of the input is judged:
    whether it matches an applicant is never said (see the module docstring)."""
    errors: dict[str, str] = {}
    number = number.strip()
    if not number or len(number) > MAX_NUMBER_LENGTH:
        errors["application_number"] = "invalid_number"
    try:
        validate_email(email)
    except InvalidInput:
        errors["email"] = "invalid_email"
    return errors


def _ask_for_access(
    db: Session, events: Events, me: SignedIn, form: Params, now: datetime, zone: tzinfo
) -> tuple[str, Delegation | None]:
    number = form.text("application_number").strip()
    applicant = service.find_actor(db, form.text("email"))
    matches = (
        [
            a
            for a in applications_of_applicant(db, applicant.subject)
            if a.portal_reference == number
        ]
        if applicant is not None
        else []
    )
    try:
        actions = parse_actions(form.all.get("actions", [])) or [Action.APPLICATION_READ]
    except ValueError:
        return "invalid", None
    if not matches or matches[0].applicant_subject == me.subject:
        return "requested", None  # the same answer whether the email or the number is wrong
    kind = (
        DelegationKind.REPRESENTATIVE_PAID
        if service.is_approved_representative(db, me.subject)
        else DelegationKind.REPRESENTATIVE_UNPAID
    )
    request = DelegationRequest(
        principal=matches[0].applicant_subject,
        actor=me.subject,
        kind=kind,
        actions=actions,
        valid_until=service.default_end(now),
        application_ids=[matches[0].id],
    )
    try:
        return "requested", service.ask(db, events, request, now, zone=zone)
    except ConsentError:
        return "requested", None


@router.post(DELEGATIONS + "/request")
def request_access(
    request: Request,
    form: CsrfForm,
    me: Me,
    db: Db,
    events: Events,
    mail: Mail,
    portals: Portals,
    settings: AppSettings,
    now: Now,
) -> Response:
    """A representative asks an applicant for access to one application (by number); the
    request says truthfully whether they ask as a paid representative (only an approved
    one may) and the applicant is told by mail."""
    values = {"application_number": form.text("application_number"), "email": form.text("email")}
    errors = _request_errors(values["application_number"], values["email"])
    if errors:
        return _delegations_page(
            request, me, db, portals, now, values=values, errors=errors, status_code=400
        )
    notice, delegation = _ask_for_access(db, events, me, form, now, settings.display_zone)
    if delegation is not None:  # after the answer: a match must not take longer, or fail
        notify(mail, db, portals.profiles, delegation, "requested", after_answer=True)
    return RedirectResponse(f"{DELEGATIONS}?notice={notice}", status_code=303)
