"""The `claims` request parameter (OpenID Connect Core 1.0 section 5.5), with the
`verified_claims` requests of OpenID Connect for Identity Assurance 1.0 (section 6).

`parse_claims_request` checks the JSON at `/authorize`; a malformed one is
`invalid_request` naming `claims` (Core 3.1.2.6). What it returns is remembered with the
authorization code and then with the grant, so the ID token and every userinfo answer of
that grant see it. Members other than `id_token` and `userinfo` are ignored, as Core 5.5
says of members the OP does not understand. Each requested claim is `null` or an object
with optional `essential` (boolean), `value` or `values` (array); a `verified_claims`
request is an object (or a non-empty array of objects) with a `verification` object and a
`claims` object that must not be empty (IDA 1.0 section 6).
"""

from __future__ import annotations

import json
from typing import Any

from idp.authn.assurance import ACR_VALUES_SUPPORTED
from idp.oauth.errors import InvalidRequestError

MEMBERS = ("id_token", "userinfo")
MAX_CLAIMS_REQUESTED = 32
MAX_VERIFIED_CLAIMS_REQUESTS = 4


def _fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(f"'claims' {message}")


def _check_claim(name: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise _fail(f"member {name} must be null or an object")
    if "essential" in value and not isinstance(value["essential"], bool):
        raise _fail(f"essential of {name} must be a boolean")
    if "values" in value and not isinstance(value["values"], list):
        raise _fail(f"values of {name} must be an array")


def _check_verified(request: Any) -> None:
    requests = request if isinstance(request, list) else [request]
    if not requests or len(requests) > MAX_VERIFIED_CLAIMS_REQUESTS:
        raise _fail(f"verified_claims must hold 1 to {MAX_VERIFIED_CLAIMS_REQUESTS} requests")
    for entry in requests:
        if not isinstance(entry, dict):
            raise _fail("verified_claims must be an object or an array of objects")
        if not isinstance(entry.get("verification"), dict):
            raise _fail("verified_claims needs a verification object")
        claims = entry.get("claims")
        if not isinstance(claims, dict) or not claims:
            raise _fail("verified_claims needs a non-empty claims object")
        for name, value in claims.items():
            _check_claim(name, value)


def _check_member(member: str, requested: Any) -> None:
    if not isinstance(requested, dict):
        raise _fail(f"member {member} must be an object")
    if len(requested) > MAX_CLAIMS_REQUESTED:
        raise _fail(f"member {member} asks for more than {MAX_CLAIMS_REQUESTED} claims")
    for name, value in requested.items():
        if name == "verified_claims":
            _check_verified(value)
        else:
            _check_claim(name, value)


def parse_claims_request(raw: str | None) -> dict[str, Any] | None:
    """The `id_token` and `userinfo` members of a well-formed `claims` parameter."""
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise _fail("is not JSON") from None
    if not isinstance(parsed, dict):
        raise _fail("must be a JSON object")
    kept = {member: parsed[member] for member in MEMBERS if member in parsed}
    for member, requested in kept.items():
        _check_member(member, requested)
    return kept


def essential_acr_values(claims_request: dict[str, Any] | None) -> list[str] | None:
    """The `acr` values an essential `acr` request for the ID token insists on (section
    5.5.1.1: the `acr` returned MUST be one of them), or None when `acr` is not asked for
    as essential with a `value` or `values`."""
    requested = requested_in(claims_request, "id_token").get("acr")
    if not isinstance(requested, dict) or requested.get("essential") is not True:
        return None
    values = requested.get("values", [requested["value"]] if "value" in requested else None)
    if not isinstance(values, list) or not values:
        return None
    return [str(value) for value in values]


def acr_to_return(claims_request: dict[str, Any] | None, session_acr: str) -> str:
    """The ID token's `acr`: for an essential `acr` request, the strongest requested level
    the session's level meets (section 5.5.1.1: MUST be one of the values asked for; a
    multi-factor session meets a single-factor request), else the session's own level.
    `check_assurance` made sure the session meets one of them before a code was issued."""
    essential = essential_acr_values(claims_request)
    if essential is None or session_acr not in ACR_VALUES_SUPPORTED:
        return session_acr
    reached = ACR_VALUES_SUPPORTED[: ACR_VALUES_SUPPORTED.index(session_acr) + 1]
    met = [value for value in reached if value in essential]
    return met[-1] if met else session_acr


def requested_subject(claims_request: dict[str, Any] | None) -> str | None:
    """Section 5.5.1: a `sub` asked for the ID token with a `value` names the only person
    the response may be for (no ID token or access token for anyone else)."""
    requested = requested_in(claims_request, "id_token").get("sub")
    if isinstance(requested, dict) and isinstance(requested.get("value"), str):
        return str(requested["value"])
    return None


def requested_in(claims_request: dict[str, Any] | None, member: str) -> dict[str, Any]:
    """The claims requested for the ID token or for userinfo (empty: none)."""
    if not claims_request:
        return {}
    requested = claims_request.get(member)
    return requested if isinstance(requested, dict) else {}
