"""Authorization details (RFC 9396) of type `passerelle_application`.

A portal names, per application, the actions a representative wants to take for an
applicant: `[{"type": "passerelle_application", "application": "E123", "actions": [...]}]`.
`parse_authorization_details` checks the shape (section 2; error
`invalid_authorization_details`, section 5). `resolve_delegated_access` asks
`consent.resolve_access` for the one delegation that grants it all, as a typed
`consent.DelegatedAccess`. Used by token exchange (RFC 8693, `token_exchange.py`) and by
authorization requests (`authorization.py`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from consent import (
    AUTHORIZATION_DETAILS_TYPE,
    AccessRefused,
    Action,
    DelegatedAccess,
    DelegationKind,
    resolve_access,
)
from idp.oauth.errors import InvalidRequestError, OAuth2Error

DETAILS_TYPE = AUTHORIZATION_DETAILS_TYPE
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


def resolve_delegated_access(
    db: Session, client_id: str, actor: str, details: list[dict[str, Any]], now: datetime
) -> DelegatedAccess:
    """The one delegation that grants every requested action (`consent.resolve_access`,
    which locks it for the issuing transaction); a refusal is RFC 9396's error."""
    try:
        return resolve_access(
            db,
            actor=actor,
            portal_client_id=client_id,
            requested=[(entry["application"], entry["actions"]) for entry in details],
            now=now,
        )
    except AccessRefused as refused:
        raise InvalidAuthorizationDetailsError(refused.message) from None


def needs_second_factor(access: DelegatedAccess) -> bool:
    """Paid representation is only ever exercised after a second factor (DESIGN.md 8)."""
    return bool(access.kind == DelegationKind.REPRESENTATIVE_PAID)
