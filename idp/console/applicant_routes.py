"""The applicant's side of delegation: "My applications" and "My representatives" (appoint,
change, approve a request, remove); "Activity" is `activity_routes.py`.

Appointing, changing and approving need a second factor proven in the last 15 minutes
(`RecentSecondFactor`): whoever holds a password-only session cannot hand someone the
applicant's files. The form names every field at fault at once and keeps what was typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, tzinfo
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from consent import (
    ACTION_LABELS,
    KIND_LABELS,
    MAX_DELEGATION_YEARS,
    Action,
    ConsentError,
    Delegation,
    DelegationKind,
    DelegationRequest,
    application_ids_of,
    applications_of_applicant,
    delegations_of_principal,
    effective_status,
    get_delegation,
    last_delegation_day,
    parse_actions,
)
from idp.accounts.models import Account
from idp.accounts.service import validate_email
from idp.applications.service import decide_claim, pending_claims
from idp.authn.deps import Me, RecentSecondFactor, SignedIn, recent_second_factor_then
from idp.clients.deps import Portals, Profiles
from idp.clients.names import PortalNames
from idp.clock import end_of_day
from idp.console.views import application_view, delegation_view, people
from idp.delegation import service
from idp.delegation.deps import Events
from idp.delegation.notices import notify
from idp.enrolment.conversion import client_files_to_confirm, filed_for_marks
from idp.errors import InvalidInput
from idp.http.csrf import CSRF_CHECKED, CsrfForm
from idp.http.deps import AppSettings, Db, Now, Router
from idp.http.pages import render_page
from idp.http.params import Params
from idp.http.times import format_date
from idp.notifications.deps import Mail

router = Router()
REPRESENTATIVES = "/account/representatives"
ALL_AT_PREFIX = "all:"


@router.get("/account/applications")
def my_applications(request: Request, me: Me, db: Db, portals: Portals) -> Response:
    rows = [application_view(a, portals) for a in applications_of_applicant(db, me.subject)]
    claims = [
        {
            "id": c.id,
            "number": c.application_number,
            "program": portals.program(c.portal_client_id, c.program),
            "portal": portals.name(c.portal_client_id),
        }
        for c in pending_claims(db, me.account)
    ]
    context = {
        "applications": rows,
        "claims": claims,
        "filed_for": filed_for_marks(db, me.account.id),
        "client_files": len(client_files_to_confirm(db, me.account)),
        "notice": request.query_params.get("notice"),
    }
    return render_page(request, "console/applications.html", context)


@router.post("/account/applications/claims")
def decide_application_claim(form: CsrfForm, me: Me, db: Db, now: Now) -> Response:
    """The person says whether an application a portal named by their email is theirs."""
    confirm = form.get("decision") == "confirm"
    decide_claim(db, me.account, form.text("claim"), confirm=confirm, now=now)
    notice = "claim_confirmed" if confirm else "claim_declined"
    return RedirectResponse(f"/account/applications?notice={notice}", status_code=303)


@router.get(REPRESENTATIVES)
def my_representatives(request: Request, me: Me, db: Db, portals: Portals, now: Now) -> Response:
    delegations = delegations_of_principal(db, me.subject)
    names = people(db, {d.actor_subject for d in delegations} | {me.subject})
    rows = [asdict(delegation_view(db, d, names, portals, now)) for d in delegations]
    context = {"delegations": rows, "notice": request.query_params.get("notice")}
    return render_page(request, "console/representatives.html", context)


def _form_context(
    db: Session, account: Account, portals: PortalNames, now: datetime, zone: tzinfo
) -> dict[str, Any]:
    """The appointment form's choices. Plain values, program and portal names in each page
    language: a refused form is kept for its language switch (`idp.http.snapshots`), and the
    template names them in the page's language. `last_day`: the latest end date accepted
    today, which an end date refused as too late is told."""
    applications = applications_of_applicant(db, account.subject)
    return {
        "applications": [
            {
                "id": a.id,
                "number": a.portal_reference,
                "program": portals.program_in_each_language(a.portal_client_id, a.program),
                "portal": portals.name_in_each_language(a.portal_client_id),
            }
            for a in applications
        ],
        "all_at": [
            (ALL_AT_PREFIX + client_id, portals.name_in_each_language(client_id))
            for client_id in sorted({a.portal_client_id for a in applications})
        ],
        "kinds": [(k.value, KIND_LABELS[k]) for k in DelegationKind],
        "actions": [(a.value, ACTION_LABELS[a]) for a in Action],
        "values": {},
        "errors": {},
        "editing": None,
        "max_years": MAX_DELEGATION_YEARS,
        "last_day": last_delegation_day(now, zone).isoformat(),
    }


@router.get(f"{REPRESENTATIVES}/new")
def grant_form(
    request: Request,
    me: RecentSecondFactor,
    db: Db,
    portals: Portals,
    now: Now,
    settings: AppSettings,
) -> Response:
    context = _form_context(db, me.account, portals, now, settings.display_zone)
    return render_page(request, "console/grant.html", context)


def _parse_date(value: str, zone: tzinfo) -> datetime | None:
    """The typed day's last instant in the service's zone: access "until 5 December" lasts
    until midnight in Toronto, not until 23:59 UTC (18:59 there)."""
    try:
        return end_of_day(date.fromisoformat(value), zone)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Choice:
    """What the appointment form asked for, with every field at fault."""

    actions: list[Action]
    valid_until: datetime | None
    application_ids: list[str]
    portal_client_id: str | None
    errors: dict[str, str]


def read_choice(form: Params, zone: tzinfo) -> Choice:
    errors: dict[str, str] = {}
    chosen = form.all.get("applications", [])
    whole = [c.removeprefix(ALL_AT_PREFIX) for c in chosen if c.startswith(ALL_AT_PREFIX)]
    named = [c for c in chosen if not c.startswith(ALL_AT_PREFIX)]
    if not chosen:
        errors["applications"] = "choose_applications"
    elif len(whole) > 1 or (whole and named):
        errors["applications"] = "one_portal_or_named"
    try:
        actions = parse_actions(form.all.get("actions", []))
    except ValueError:
        actions = []
    if not actions:
        errors["actions"] = "invalid_choice"
    until = _parse_date(form.text("valid_until"), zone)
    if until is None:
        errors["valid_until"] = "invalid_date"
    return Choice(actions, until, named, whole[0] if whole else None, errors)


def _values(form: Params) -> dict[str, Any]:
    return {
        "email": form.text("email"),
        "kind": form.text("kind"),
        "valid_until": form.text("valid_until"),
        "applications": form.all.get("applications", []),
        "actions": form.all.get("actions", []),
    }


def _appoint(
    db: Session, events: Events, me: SignedIn, form: Params, now: datetime, zone: tzinfo
) -> tuple[dict[str, str], Delegation | None]:
    """Appoint the person the form names; return the errors by field, or the delegation."""
    choice = read_choice(form, zone)
    errors: dict[str, str] = {}
    try:
        validate_email(form.text("email"))
    except InvalidInput:
        errors["email"] = "invalid_email"  # empty, malformed or too long: not "no account"
    actor = None if errors else service.find_actor(db, form.text("email"))
    if actor is None:
        errors.setdefault("email", "unknown_person")
    elif actor.id == me.account.id:
        return {"email": "self_appointment"}, None  # the one thing to fix, whatever else
    try:
        kind = DelegationKind(form.text("kind"))
    except ValueError:
        errors["kind"] = "choose_kind"
    errors |= choice.errors  # after the email and the kind: the order of the form
    if errors or actor is None or choice.valid_until is None:
        return errors, None
    request = DelegationRequest(
        principal=me.subject,
        actor=actor.subject,
        kind=kind,
        actions=choice.actions,
        valid_until=choice.valid_until,
        application_ids=choice.application_ids,
        portal_client_id=choice.portal_client_id,
    )
    try:
        return {}, service.grant(db, events, request, now, zone=zone)
    except ConsentError as error:
        return {error.field or "email": error.code}, None


@router.post(f"{REPRESENTATIVES}/new")
def grant_submit(
    request: Request,
    form: CsrfForm,
    me: RecentSecondFactor,
    db: Db,
    portals: Portals,
    events: Events,
    mail: Mail,
    now: Now,
    settings: AppSettings,
) -> Response:
    errors, delegation = _appoint(db, events, me, form, now, settings.display_zone)
    if delegation is not None:
        notify(mail, db, portals.profiles, delegation, "appointed")
        return RedirectResponse(f"{REPRESENTATIVES}?notice=granted", status_code=303)
    context = _form_context(db, me.account, portals, now, settings.display_zone) | {
        "values": _values(form),
        "errors": errors,
    }
    return render_page(request, "console/grant.html", context, status_code=400)


def _change_context(
    db: Session,
    account: Account,
    portals: PortalNames,
    delegation_id: str,
    now: datetime,
    zone: tzinfo,
) -> dict[str, Any] | None:
    """The form filled with a living delegation of this applicant; None otherwise."""
    context = _form_context(db, account, portals, now, zone)
    try:
        delegation = get_delegation(db, delegation_id[:32])
    except ConsentError:
        return None
    status = effective_status(delegation, now)
    if delegation.principal_subject != account.subject or status.value not in (
        "active",
        "pending_acceptance",
    ):
        return None
    chosen = application_ids_of(db, delegation.id)
    if delegation.all_applications:
        chosen = [ALL_AT_PREFIX + (delegation.portal_client_id or "")]
    names = people(db, {delegation.actor_subject})
    context["editing"] = {
        "id": delegation.id,
        "actor": names.name(delegation.actor_subject),
        "kind": KIND_LABELS[DelegationKind(delegation.kind)],
    }
    context["values"] = {
        "applications": chosen,
        "actions": list(delegation.actions),
        "valid_until": format_date(delegation.valid_until, zone),  # the day typed
    }
    return context


def _state_changed() -> Response:
    return RedirectResponse(f"{REPRESENTATIVES}?notice=delegation_state", status_code=303)


@router.get(REPRESENTATIVES + "/{delegation_id}/change")
def change_form(
    request: Request,
    delegation_id: str,
    me: RecentSecondFactor,
    db: Db,
    portals: Portals,
    now: Now,
    settings: AppSettings,
) -> Response:
    context = _change_context(db, me.account, portals, delegation_id, now, settings.display_zone)
    if context is None:
        return _state_changed()
    return render_page(request, "console/grant.html", context)


def _end_kept(stored: datetime, typed: datetime, zone: tzinfo) -> datetime:
    """The typed end, unless it is the day the stored end shows: then the stored end. A
    delegation made when a typed day ended at 23:59 UTC keeps that end when its day is left
    as shown, rather than gaining hours that count as widening it (accepted again)."""
    return stored if format_date(stored, zone) == format_date(typed, zone) else typed


@router.post(REPRESENTATIVES + "/{delegation_id}/change")
def change_submit(
    request: Request,
    delegation_id: str,
    form: CsrfForm,
    me: RecentSecondFactor,
    db: Db,
    portals: Portals,
    events: Events,
    mail: Mail,
    now: Now,
    settings: AppSettings,
) -> Response:
    choice = read_choice(form, settings.display_zone)
    errors, notice = dict(choice.errors), "changed"
    if not errors and choice.valid_until is not None:
        try:
            current = get_delegation(db, delegation_id[:32])
            before = current.status
            changed = service.change(
                db,
                events,
                delegation_id[:32],
                me.subject,
                actions=choice.actions,
                valid_until=_end_kept(
                    current.valid_until, choice.valid_until, settings.display_zone
                ),
                application_ids=choice.application_ids,
                now=now,
                zone=settings.display_zone,
            )
            if before == "active" and changed.status == "pending_acceptance":
                notice = "changed_needs_acceptance"
            notify(mail, db, portals.profiles, changed, "changed")
        except ConsentError as error:
            errors = {error.field or "applications": error.code}
    if not errors:
        return RedirectResponse(f"{REPRESENTATIVES}?notice={notice}", status_code=303)
    context = _change_context(db, me.account, portals, delegation_id, now, settings.display_zone)
    if context is None:
        return _state_changed()
    context.update({"values": _values(form), "errors": errors})
    return render_page(request, "console/grant.html", context, status_code=400)


@router.post(REPRESENTATIVES + "/{delegation_id}/revoke", dependencies=CSRF_CHECKED)
def revoke(
    delegation_id: str, me: Me, db: Db, profiles: Profiles, events: Events, mail: Mail, now: Now
) -> Response:
    try:
        revoked = service.revoke(db, events, delegation_id[:32], me.subject, now)
    except ConsentError as error:
        return RedirectResponse(f"{REPRESENTATIVES}?notice={error.code}", status_code=303)
    notify(mail, db, profiles, revoked, "revoked")
    return RedirectResponse(f"{REPRESENTATIVES}?notice=revoked", status_code=303)


@router.post(REPRESENTATIVES + "/{delegation_id}/approve", dependencies=CSRF_CHECKED)
def approve(
    delegation_id: str,
    me: Annotated[SignedIn, Depends(recent_second_factor_then(REPRESENTATIVES))],
    db: Db,
    profiles: Profiles,
    events: Events,
    mail: Mail,
    now: Now,
) -> Response:
    try:
        approved = service.approve(db, events, delegation_id[:32], me.subject, now)
    except ConsentError as error:
        return RedirectResponse(f"{REPRESENTATIVES}?notice={error.code}", status_code=303)
    notify(mail, db, profiles, approved, "appointed")
    return RedirectResponse(f"{REPRESENTATIVES}?notice=approved", status_code=303)
