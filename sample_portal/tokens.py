"""The checks a portal makes on every JWT the provider sends it (joserfc does the JOSE).

- ID token: OpenID Connect Core 1.0 §3.1.3.7 (signature, `iss`, `aud`, `azp`, `exp`,
  `iat`, `nonce`).
- Logout token: OpenID Connect Back-Channel Logout 1.0 §2.6 (`typ: logout+jwt`, the
  back-channel-logout event, `sid` or `sub`, and never a `nonce`, so an ID token cannot
  be replayed as one).
- Security Event Token: RFC 8417 §2.2 and RFC 8935 §2 (`typ: secevent+jwt`, `iss`,
  `aud`, `jti`, `events`).
- Delegated access token: RFC 9068 §4 (`typ: at+jwt`, `aud` is this portal); the
  portal reads the top-level claims and the current actor only (RFC 8693 §4.1).

Each function takes the provider's keys and the expected values and returns the claims,
or raises `TokenRejected` saying which check failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

# Only the provider's asymmetric algorithms: never "none", never an HMAC keyed with a
# public key (the classic algorithm-confusion attack).
ASYMMETRIC_ALGS = ("RS256", "ES256", "EdDSA")
LEEWAY_SECONDS = 30  # clock skew tolerated between the provider and the portal
BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


class TokenRejected(Exception):
    """A JWT failed a check; `reason` names it (safe to log: it holds no token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LogoutToken:
    sub: str | None
    sid: str | None
    jti: str


def _essential(value: Any = None) -> ClaimsOption:
    return {"essential": True} if value is None else {"essential": True, "value": value}


def _decode(token: str, keys: KeySet, typ: str | None) -> dict[str, Any]:
    """Verify the signature with the provider's keys and, if asked, the `typ` header."""
    try:
        decoded = jwt.decode(token, keys, algorithms=list(ASYMMETRIC_ALGS))
    except JoseError as error:
        raise TokenRejected(f"signature: {error.error}") from None
    if typ is not None and decoded.header.get("typ") != typ:
        raise TokenRejected(f"typ: expected {typ}")
    return dict(decoded.claims)


def _validate(claims: dict[str, Any], **options: ClaimsOption) -> None:
    registry = JWTClaimsRegistry(now=int(time.time()), leeway=LEEWAY_SECONDS, **options)
    try:
        registry.validate(claims)
    except JoseError as error:
        raise TokenRejected(f"claims: {error.error} {error.description or ''}".strip()) from None


def verify_id_token(
    token: str, keys: KeySet, *, issuer: str, client_id: str, nonce: str
) -> dict[str, Any]:
    claims = _decode(token, keys, typ=None)
    _validate(
        claims,
        iss=_essential(issuer),
        sub=_essential(),
        aud=_essential(client_id),
        exp=_essential(),
        iat=_essential(),
        nonce=_essential(nonce),
    )
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise TokenRejected("claims: azp must name this portal when aud has several values")
    return claims


def verify_logout_token(token: str, keys: KeySet, *, issuer: str, client_id: str) -> LogoutToken:
    claims = _decode(token, keys, typ="logout+jwt")
    _validate(
        claims,
        iss=_essential(issuer),
        aud=_essential(client_id),
        iat=_essential(),
        exp=_essential(),
        jti=_essential(),
    )
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise TokenRejected("events: the back-channel logout event is missing")
    if "nonce" in claims:
        raise TokenRejected("nonce: a logout token never carries one")
    if not claims.get("sid") and not claims.get("sub"):
        raise TokenRejected("sid/sub: a logout token names a session or a subject")
    return LogoutToken(sub=claims.get("sub"), sid=claims.get("sid"), jti=claims["jti"])


def verify_security_event(
    token: str, keys: KeySet, *, issuer: str, client_id: str
) -> dict[str, Any]:
    claims = _decode(token, keys, typ="secevent+jwt")
    _validate(
        claims,
        iss=_essential(issuer),
        aud=_essential(client_id),
        iat=_essential(),
        jti=_essential(),
    )
    if not isinstance(claims.get("events"), dict) or not claims["events"]:
        raise TokenRejected("events: a security event token carries at least one event")
    return claims


def verify_delegated_token(
    token: str, keys: KeySet, *, issuer: str, client_id: str
) -> dict[str, Any]:
    claims = _decode(token, keys, typ="at+jwt")
    _validate(
        claims,
        iss=_essential(issuer),
        aud=_essential(client_id),
        exp=_essential(),
        sub=_essential(),
        act=_essential(),
        authorization_details=_essential(),
    )
    return claims


def current_actor(claims: dict[str, Any]) -> str | None:
    """The party acting now: `act.sub`. Nested `act` claims are history, not authority
    (RFC 8693 §4.1), so they are never read for decisions."""
    act = claims.get("act")
    return act.get("sub") if isinstance(act, dict) else None
