"""Console pages of delegation: "My applications", "My representatives", "Activity" for
applicants; "Delegations to me" for representatives (accept, request access)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consent import (
    ACTION_LABELS,
    KIND_LABELS,
    Action,
    ConsentError,
    DelegationKind,
    DelegationRequest,
    application_ids_of,
    applications_of_applicant,
    delegations_of_actor,
    delegations_of_principal,
    effective_status,
    events_for,
    get_application,
    get_delegation,
    parse_actions,
    request_delegation,
)
from consent.models import Application
from idp.accounts.models import Account
from idp.authn.sessions import SESSION_COOKIE, BrowserSession
from idp.console import delegations as service
from idp.http.csrf import CSRF_FIELD, is_valid_csrf
from idp.http.pages import render_page
from idp.http.params import read_form
from idp.oauth.clients import find_client
from idp.oauth.errors import OAuth2Error
from idp.oauth.requests import Params
from idp.runtime import Runtime

router = APIRouter()


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _me(request: Request) -> tuple[BrowserSession, Account] | None:
    runtime = _runtime(request)
    browser = runtime.browser_sessions.find(request.cookies.get(SESSION_COOKIE))
    if browser is None:
        return None
    with runtime.transaction() as db:
        account = db.get(Account, browser.account_id)
    return (browser, account) if account is not None else None


async def _form(request: Request) -> Params | None:
    try:
        form = await read_form(request)
    except OAuth2Error:
        return None
    return form if is_valid_csrf(request.state.csrf_token, form.get(CSRF_FIELD)) else None


def _portal_name(db: Any, client_id: str | None, cache: dict[str, str]) -> str:
    if not client_id:
        return ""
    if client_id not in cache:
        client = find_client(db, client_id)
        cache[client_id] = client.name if client else client_id
    return cache[client_id]


def _application_view(db: Any, application: Application, cache: dict[str, str]) -> dict[str, Any]:
    return {
        "id": application.id,
        "number": application.portal_reference,
        "program": application.program,
        "status": application.status,
        "unread": application.unread_count,
        "link": application.deep_link,
        "portal": _portal_name(db, application.portal_client_id, cache),
        "portal_id": application.portal_client_id,
        "updated": application.updated_at.date().isoformat(),
    }


@router.get("/account/applications")
async def my_applications(request: Request) -> Response:
    me = _me(request)
    if me is None:
        return RedirectResponse("/login", status_code=303)
    runtime = _runtime(request)

    def work() -> list[dict[str, Any]]:
        cache: dict[str, str] = {}
        with runtime.transaction() as db:
            return [
                _application_view(db, a, cache)
                for a in applications_of_applicant(db, me[1].subject)
            ]

    rows = await run_in_threadpool(work)
    return render_page(request, "console/applications.html", {"applications": rows})


def _delegation_view(
    db: Any, delegation: Any, names: service.People, cache: dict[str, str], now: datetime
) -> dict[str, Any]:
    applications = [get_application(db, a) for a in application_ids_of(db, delegation.id)]
    return {
        "id": delegation.id,
        "actor": names.name(delegation.actor_subject),
        "principal": names.name(delegation.principal_subject),
        "kind": KIND_LABELS[DelegationKind(delegation.kind)],
        "actions": [ACTION_LABELS[Action(a)] for a in delegation.actions],
        "applications": [
            f"{a.program} {a.portal_reference} ({_portal_name(db, a.portal_client_id, cache)})"
            for a in applications
        ],
        "all_at": _portal_name(db, delegation.portal_client_id, cache)
        if delegation.all_applications
        else "",
        "status": effective_status(delegation, now).value,
        "until": delegation.valid_until.date().isoformat(),
    }


@router.get("/account/representatives")
async def my_representatives(request: Request) -> Response:
    me = _me(request)
    if me is None:
        return RedirectResponse("/login", status_code=303)
    runtime = _runtime(request)

    def work() -> list[dict[str, Any]]:
        now, cache = runtime.clock.now(), dict[str, str]()
        with runtime.transaction() as db:
            delegations = delegations_of_principal(db, me[1].subject)
            names = service.people(db, {d.actor_subject for d in delegations} | {me[1].subject})
            return [_delegation_view(db, d, names, cache, now) for d in delegations]

    rows = await run_in_threadpool(work)
    return render_page(
        request,
        "console/representatives.html",
        {"delegations": rows, "notice": request.query_params.get("notice")},
    )


def _grant_form_context(runtime: Runtime, account: Account) -> dict[str, Any]:
    cache: dict[str, str] = {}
    with runtime.transaction() as db:
        applications = [
            _application_view(db, a, cache) for a in applications_of_applicant(db, account.subject)
        ]
    portals = sorted({(a["portal"]) for a in applications})
    return {
        "applications": applications,
        "portals": portals,
        "kinds": [(k.value, KIND_LABELS[k]) for k in DelegationKind],
        "actions": [(a.value, ACTION_LABELS[a]) for a in Action],
        "values": {},
        "errors": {},
        "editing": None,
    }


@router.get("/account/representatives/new")
async def grant_form(request: Request) -> Response:
    me = _me(request)
    if me is None:
        return RedirectResponse("/login", status_code=303)
    runtime = _runtime(request)
    if not service.is_recent_multi_factor(me[0], runtime.clock.now()):
        return render_page(request, "console/step_up_needed.html", {})
    context = await run_in_threadpool(_grant_form_context, runtime, me[1])
    return render_page(request, "console/grant.html", context)


def _parse_date(value: str) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(value), time(23, 59), tzinfo=UTC)
    except ValueError:
        return None


@router.post("/account/representatives/new")
async def grant_submit(request: Request) -> Response:
    me = _me(request)
    form = await _form(request)
    if me is None or form is None:
        return RedirectResponse("/account/representatives", status_code=303)
    runtime = _runtime(request)
    if not service.is_recent_multi_factor(me[0], runtime.clock.now()):
        return render_page(request, "console/step_up_needed.html", {}, status_code=403)
    values: dict[str, Any] = {
        "email": form.get("email") or "",
        "kind": form.get("kind") or "",
        "valid_until": form.get("valid_until") or "",
        "applications": form.all.get("applications", []),
        "actions": form.all.get("actions", []),
    }

    def work() -> dict[str, str]:
        with runtime.transaction() as db:
            actor = service.find_actor(db, values["email"])
            if actor is None:
                return {"email": "unknown_person"}
            until = _parse_date(values["valid_until"])
            if until is None:
                return {"valid_until": "invalid_date"}
            try:
                kind = DelegationKind(values["kind"])
                actions = parse_actions(values["actions"])
            except ValueError:
                return {"actions": "invalid_choice"}
            chosen = [a for a in values["applications"] if a != "all"]
            portal = None
            if not chosen and values["applications"]:
                apps = applications_of_applicant(db, me[1].subject)
                portal = apps[0].portal_client_id if apps else None
            try:
                service.grant(
                    runtime,
                    db,
                    DelegationRequest(
                        principal=me[1].subject,
                        actor=actor.subject,
                        kind=kind,
                        actions=actions,
                        valid_until=until,
                        application_ids=chosen,
                        portal_client_id=portal,
                    ),
                )
            except ConsentError as error:
                return {error.field or "email": error.code}
        return {}

    errors = await run_in_threadpool(work)
    if errors:
        context = await run_in_threadpool(_grant_form_context, runtime, me[1])
        context.update({"values": values, "errors": errors})
        return render_page(request, "console/grant.html", context, status_code=400)
    return RedirectResponse("/account/representatives?notice=granted", status_code=303)


def _change_form_context(
    runtime: Runtime, account: Account, delegation_id: str
) -> dict[str, Any] | None:
    """The grant form, filled with a living delegation of this applicant; None otherwise."""
    context = _grant_form_context(runtime, account)
    with runtime.transaction() as db:
        try:
            delegation = get_delegation(db, delegation_id[:32])
        except ConsentError:
            return None
        status = effective_status(delegation, runtime.clock.now())
        if delegation.principal_subject != account.subject or status.value not in (
            "active",
            "pending_acceptance",
        ):
            return None
        names = service.people(db, {delegation.actor_subject})
        chosen = application_ids_of(db, delegation.id)
        if delegation.all_applications:
            chosen = [
                a["id"]
                for a in context["applications"]
                if a["portal_id"] == delegation.portal_client_id
            ]
        context["editing"] = {
            "id": delegation.id,
            "actor": names.name(delegation.actor_subject),
            "kind": KIND_LABELS[DelegationKind(delegation.kind)],
        }
        context["values"] = {
            "applications": chosen,
            "actions": list(delegation.actions),
            "valid_until": delegation.valid_until.date().isoformat(),
        }
    return context


@router.get("/account/representatives/{delegation_id}/change")
async def change_form(request: Request, delegation_id: str) -> Response:
    me = _me(request)
    if me is None:
        return RedirectResponse("/login", status_code=303)
    runtime = _runtime(request)
    if not service.is_recent_multi_factor(me[0], runtime.clock.now()):
        return render_page(request, "console/step_up_needed.html", {})
    context = await run_in_threadpool(_change_form_context, runtime, me[1], delegation_id)
    if context is None:
        return RedirectResponse("/account/representatives?notice=delegation_state", status_code=303)
    return render_page(request, "console/grant.html", context)


@router.post("/account/representatives/{delegation_id}/change")
async def change_submit(request: Request, delegation_id: str) -> Response:
    me = _me(request)
    form = await _form(request)
    if me is None or form is None:
        return RedirectResponse("/account/representatives", status_code=303)
    runtime = _runtime(request)
    if not service.is_recent_multi_factor(me[0], runtime.clock.now()):
        return render_page(request, "console/step_up_needed.html", {}, status_code=403)
    values: dict[str, Any] = {
        "valid_until": form.get("valid_until") or "",
        "applications": form.all.get("applications", []),
        "actions": form.all.get("actions", []),
    }

    def work() -> tuple[dict[str, str], str]:
        until = _parse_date(values["valid_until"])
        if until is None:
            return {"valid_until": "invalid_date"}, ""
        try:
            actions = parse_actions(values["actions"])
        except ValueError:
            return {"actions": "invalid_choice"}, ""
        with runtime.transaction() as db:
            try:
                before = get_delegation(db, delegation_id[:32]).status
                changed = service.change(
                    runtime,
                    db,
                    delegation_id[:32],
                    me[1].subject,
                    actions=actions,
                    valid_until=until,
                    application_ids=values["applications"],
                )
            except ConsentError as error:
                return {error.field or "applications": error.code}, ""
            wider = before == "active" and changed.status == "pending_acceptance"
        return {}, "changed_needs_acceptance" if wider else "changed"

    errors, notice = await run_in_threadpool(work)
    if errors:
        context = await run_in_threadpool(_change_form_context, runtime, me[1], delegation_id)
        if context is None:
            return RedirectResponse(
                "/account/representatives?notice=delegation_state", status_code=303
            )
        context.update({"values": values, "errors": errors})
        return render_page(request, "console/grant.html", context, status_code=400)
    return RedirectResponse(f"/account/representatives?notice={notice}", status_code=303)


async def _act(request: Request, delegation_id: str, step: str) -> Response:
    me = _me(request)
    form = await _form(request)
    back = "/account/delegations" if step == "accept" else "/account/representatives"
    if me is None or form is None:
        return RedirectResponse(back, status_code=303)
    runtime = _runtime(request)

    def work() -> str:
        with runtime.transaction() as db:
            try:
                if step == "revoke":
                    service.revoke(runtime, db, delegation_id[:32], me[1].subject)
                elif step == "approve":
                    service.approve(runtime, db, delegation_id[:32], me[1].subject)
                else:
                    service.accept(runtime, db, delegation_id[:32], me[1].subject)
            except ConsentError as error:
                return error.code
        return {"revoke": "revoked", "approve": "approved", "accept": "accepted"}[step]

    notice = await run_in_threadpool(work)
    return RedirectResponse(f"{back}?notice={notice}", status_code=303)


@router.post("/account/representatives/{delegation_id}/revoke")
async def revoke(request: Request, delegation_id: str) -> Response:
    return await _act(request, delegation_id, "revoke")


@router.post("/account/representatives/{delegation_id}/approve")
async def approve(request: Request, delegation_id: str) -> Response:
    return await _act(request, delegation_id, "approve")


@router.post("/account/delegations/{delegation_id}/accept")
async def accept(request: Request, delegation_id: str) -> Response:
    return await _act(request, delegation_id, "accept")


@router.get("/account/delegations")
async def delegations_to_me(request: Request) -> Response:
    me = _me(request)
    if me is None:
        return RedirectResponse("/login", status_code=303)
    runtime = _runtime(request)

    def work() -> list[dict[str, Any]]:
        now, cache = runtime.clock.now(), dict[str, str]()
        with runtime.transaction() as db:
            delegations = delegations_of_actor(db, me[1].subject)
            names = service.people(db, {d.principal_subject for d in delegations})
            return [_delegation_view(db, d, names, cache, now) for d in delegations]

    rows = await run_in_threadpool(work)
    return render_page(
        request,
        "console/delegations.html",
        {
            "delegations": rows,
            "notice": request.query_params.get("notice"),
            "actions": [(a.value, ACTION_LABELS[a]) for a in Action],
            "errors": {},
        },
    )


@router.post("/account/delegations/request")
async def request_access(request: Request) -> Response:
    """A representative asks an applicant for access to one application (by number)."""
    me = _me(request)
    form = await _form(request)
    if me is None or form is None:
        return RedirectResponse("/account/delegations", status_code=303)
    runtime = _runtime(request)
    number, email = (form.get("application_number") or "")[:64], form.get("email") or ""

    def work() -> str:
        with runtime.transaction() as db:
            applicant = service.find_actor(db, email)
            matches = (
                [
                    a
                    for a in applications_of_applicant(db, applicant.subject)
                    if a.portal_reference == number
                ]
                if applicant
                else []
            )
            if not matches:
                return "no_match"  # same answer whether the email or the number is wrong
            try:
                actions = parse_actions(form.all.get("actions", [])) or [Action.APPLICATION_READ]
                request_delegation(
                    db,
                    DelegationRequest(
                        principal=matches[0].applicant_subject,
                        actor=me[1].subject,
                        kind=DelegationKind.REPRESENTATIVE_UNPAID,
                        actions=actions,
                        valid_until=service.default_end(runtime.clock.now()),
                        application_ids=[matches[0].id],
                    ),
                    actor_is_approved_representative=False,
                    now=runtime.clock.now(),
                    events=service.delegation_events(runtime),
                )
            except (ConsentError, ValueError):
                return "invalid"
        return "requested"

    notice = await run_in_threadpool(work)
    return RedirectResponse(f"/account/delegations?notice={notice}", status_code=303)


@router.get("/account/activity")
async def activity(request: Request) -> Response:
    me = _me(request)
    if me is None:
        return RedirectResponse("/login", status_code=303)
    runtime = _runtime(request)

    def work() -> list[dict[str, Any]]:
        with runtime.transaction() as db:
            entries = events_for(db, me[1].subject)
            names = service.people(db, {e.actor for e in entries})
            return [
                {
                    "when": e.at.replace(tzinfo=e.at.tzinfo or UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    "who": names.name(e.actor),
                    "event": e.event,
                    "portal": e.details.get("portal", ""),
                }
                for e in entries
            ]

    rows = await run_in_threadpool(work)
    return render_page(request, "console/activity.html", {"entries": rows})
