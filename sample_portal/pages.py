"""The portal's pages: home, my applications, acting for a client, events received.

Acting for a client is the representative's side of delegation: the portal exchanges
the representative's own access token for a delegated one (RFC 8693 token exchange with
RFC 9396 `authorization_details`), then shows what a portal reads in it (`sub` is the
applicant, `act.sub` the representative acting now), what introspection says, and what
the decision API answers for each action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from sample_portal.portal import Portal, error_page, portal_of, render
from sample_portal.portal_api import Decision, PortalApiError
from sample_portal.provider import ProviderRefused
from sample_portal.sessions import PortalSession, is_same_secret
from sample_portal.tokens import TokenRejected, current_actor, verify_delegated_token

router = APIRouter()
MAX_APPLICATION_NUMBER_LENGTH = 64  # the portal API's limit

# The action catalogue, with the labels people read (English, French).
ACTIONS = (
    ("application.read", "Read the application", "Consulter la demande"),
    ("correspondence.read", "Read messages", "Lire la correspondance"),
    ("correspondence.reply", "Reply to messages", "Répondre à la correspondance"),
    ("documents.upload", "Upload documents", "Téléverser des documents"),
    ("application.submit", "Submit the application", "Soumettre la demande"),
    ("payment.make", "Pay fees", "Payer les frais"),
    ("application.withdraw", "Withdraw the application", "Retirer la demande"),
)
KNOWN_ACTIONS = frozenset(name for name, _, _ in ACTIONS)


@dataclass(frozen=True, slots=True)
class ActingResult:
    """What the act page shows after a successful exchange."""

    claims: dict[str, Any]
    actor: str | None
    expires_at: datetime
    details_json: str
    introspection_json: str
    decisions: list[tuple[str, Decision]]


@router.get("/")
async def home(request: Request) -> Response:
    return render(request, "home.html", {"title": "Home"})


@router.get("/applications")
async def my_applications(request: Request) -> Response:
    portal = portal_of(request)
    session = portal.session_of(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    applications = await portal.api.applications_of(session.sub)
    context = {
        "title": "My applications",
        "applications": applications,
        "labels": portal.config.labels,
    }
    return render(request, "applications.html", context)


@router.get("/act")
async def act_form(request: Request) -> Response:
    if portal_of(request).session_of(request) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "act.html", _act_context({}, [], None, None))


def _act_context(
    values: dict[str, str], chosen: list[str], error: str | None, result: ActingResult | None
) -> dict[str, Any]:
    return {
        "title": "Act for a client",
        "actions": ACTIONS,
        "values": values,
        "chosen": chosen,
        "error": error,
        "result": result,
    }


def _read_act_form(form: FormData) -> tuple[str, list[str], str | None]:
    """The application number and actions asked for, or the reason they cannot be used."""
    number = str(form.get("application_number") or "").strip()
    actions = [str(a) for a in form.getlist("actions") if a in KNOWN_ACTIONS]
    if not number or len(number) > MAX_APPLICATION_NUMBER_LENGTH:
        return (
            number,
            actions,
            (f"Enter the application number (1 to {MAX_APPLICATION_NUMBER_LENGTH} characters)."),
        )
    if not actions:
        return number, actions, "Choose at least one action."
    return number, actions, None


async def _act(
    portal: Portal, session: PortalSession, number: str, actions: list[str]
) -> ActingResult:
    provider = portal.provider
    token = await provider.exchange_for_delegated_token(session.access_token, number, actions)
    delegated = token["access_token"]
    metadata = await provider.metadata()
    claims = verify_delegated_token(
        delegated,
        await provider.keys_for(delegated),
        issuer=metadata.issuer,
        client_id=portal.config.client_id,
    )
    introspection = await provider.introspect(delegated)
    decisions = [
        (
            action,
            await portal.api.decide(
                actor_sub=session.sub, action=action, application_number=number
            ),
        )
        for action in actions
    ]
    return ActingResult(
        claims=claims,
        actor=current_actor(claims),
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
        details_json=json.dumps(claims["authorization_details"], indent=2, ensure_ascii=False),
        introspection_json=json.dumps(introspection, indent=2, ensure_ascii=False),
        decisions=decisions,
    )


@router.post("/act")
async def act_for_a_client(request: Request) -> Response:
    portal = portal_of(request)
    session = portal.session_of(request)
    form = await request.form()
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not is_same_secret(form.get("csrf_token"), session.csrf_token):
        return error_page(request, 403, "Form expired", "Reload the page and try again.")
    number, actions, problem = _read_act_form(form)
    values = {"application_number": number}
    if problem is not None:
        return render(request, "act.html", _act_context(values, actions, problem, None), 400)
    try:
        result = await _act(portal, session, number, actions)
    except ProviderRefused as refused:
        message = f"Passerelle refused: {refused.error} ({refused.description})"
        return render(request, "act.html", _act_context(values, actions, message, None), 400)
    except (TokenRejected, PortalApiError) as failure:
        message = f"The delegated token could not be used: {failure}"
        return render(request, "act.html", _act_context(values, actions, message, None), 502)
    return render(request, "act.html", _act_context(values, actions, None, result))


@router.get("/events")
async def events_received(request: Request) -> Response:
    portal = portal_of(request)
    if portal.session_of(request) is None:  # a real portal shows these to its staff only
        return RedirectResponse("/login", status_code=303)
    events = portal.events.latest()
    return render(request, "events.html", {"title": "Events received", "events": events})
