"""Authorization details (RFC 9396) of type `passerelle_application`.

A portal names, per application, the actions a representative wants to take for an
applicant: `[{"type": "passerelle_application", "application": "E123", "actions": [...]}]`.
`parse_authorization_details` checks the shape (section 2; error
`invalid_authorization_details`, section 5). `resolve_delegated_access` finds the
delegation with `consent.decide` and checks that it grants every action with
`consent.delegation_allows`: two statements per application. Used by token exchange
(RFC 8693, `token_exchange.py`) and by authorization requests (`authorization.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from consent import (
    Action,
    DelegationKind,
    decide,
    delegation_allows,
    find_portal_application,
    get_delegation,
)
from idp.oauth.errors import InvalidRequestError, OAuth2Error

DETAILS_TYPE = "passerelle_application"
MAX_DETAILS = 5


class InvalidAuthorizationDetailsError(OAuth2Error):  # type: ignore[misc]  # authlib untyped
    """RFC 9396 section 5."""

    error = "invalid_authorization_details"


def parse_authorization_details(raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        raise InvalidRequestError("missing 'authorization_details'")
    try:
        details = json.loads(raw)
    except ValueError:
        raise InvalidAuthorizationDetailsError("'authorization_details' is not JSON") from None
    if not isinstance(details, list) or not 1 <= len(details) <= MAX_DETAILS:
        raise InvalidAuthorizationDetailsError(
            f"'authorization_details' must be a list of 1 to {MAX_DETAILS} objects"
        )
    for entry in details:
        if not isinstance(entry, dict) or entry.get("type") != DETAILS_TYPE:
            raise InvalidAuthorizationDetailsError(f"each entry needs type {DETAILS_TYPE}")
        if not isinstance(entry.get("application"), str) or not entry["application"]:
            raise InvalidAuthorizationDetailsError("each entry needs an 'application' number")
        actions = entry.get("actions")
        if (
            not isinstance(actions, list)
            or not actions
            or any(a not in Action._value2member_map_ for a in actions)
        ):
            raise InvalidAuthorizationDetailsError("'actions' must list actions of the catalogue")
    return details


def needs_second_factor(db: Any, access: DelegatedAccess) -> bool:
    """Paid representation is only ever exercised after a second factor (DESIGN.md 8)."""
    return bool(get_delegation(db, access.delegation_id).kind == DelegationKind.REPRESENTATIVE_PAID)


def granted_pairs(details: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """(application id, actions) of resolved details, as `consent.delegation_allows` takes."""
    return [(str(d.get("application_id")), list(d.get("actions") or [])) for d in details]


@dataclass(frozen=True, slots=True)
class DelegatedAccess:
    """What one delegation lets an actor do for one applicant, resolved for a portal."""

    principal: str
    actor: str
    delegation_id: str
    granted: list[dict[str, Any]]


def resolve_delegated_access(
    db: Any, client_id: str, actor: str, details: list[dict[str, Any]], now: Any
) -> DelegatedAccess:
    """The one delegation that grants every requested action; one applicant at a time."""
    granted, principals, delegations = [], set(), set()
    for entry in details:
        application = find_portal_application(db, client_id, entry["application"])
        if application is None:
            raise InvalidAuthorizationDetailsError(
                f"application {entry['application']} is not registered by this portal"
            )
        actions = list(dict.fromkeys(entry["actions"]))
        first = decide(db, actor=actor, action=actions[0], application_id=application.id, now=now)
        if (
            first.delegation_id is None
            or not first.allowed
            or not delegation_allows(db, first.delegation_id, now, [(application.id, actions)])
        ):
            raise InvalidAuthorizationDetailsError(
                _refusal(db, actor, application.id, entry["application"], actions, now)
            )
        delegations.add(first.delegation_id)
        principals.add(application.applicant_subject)
        granted.append(
            {
                "type": DETAILS_TYPE,
                "application": application.portal_reference,
                "application_id": application.id,
                "program": application.program,
                "actions": actions,
            }
        )
    if len(principals) != 1 or len(delegations) != 1:
        raise InvalidAuthorizationDetailsError("ask for one applicant's delegation at a time")
    return DelegatedAccess(principals.pop(), actor, delegations.pop(), granted)


def _refusal(
    db: Any, actor: str, application_id: str, number: str, actions: list[str], now: Any
) -> str:
    """Name the first action refused and why (only on the error path: one decide each)."""
    for action in actions:
        decision = decide(db, actor=actor, action=action, application_id=application_id, now=now)
        if not decision.allowed or decision.delegation_id is None:
            return f"{action} on {number} is not delegated ({decision.reason})"
    return f"the actions on {number} are not all granted by one delegation"
