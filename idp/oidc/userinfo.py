"""The UserInfo endpoint (OIDC Core section 5.3) with RFC 6750 bearer errors.

GET and POST; the access token comes in the `Authorization: Bearer` header (RFC 6750
section 2.1) or, in a POST only, as the `access_token` parameter of a form-encoded body
(section 2.2; never in a query, section 2.3 being a SHOULD NOT). No token, or
credentials of another scheme (`Basic`...): 401 with a bare challenge and an empty body,
no error code in either (section 3.1: a request that lacks authentication information or
uses an unsupported method SHOULD NOT get one); a token sent twice or by two methods:
400 `invalid_request` (section 2: "MUST NOT use more than one method"); a bad one: 401
`invalid_token`; a token without `openid`: 403 `insufficient_scope` (section 3.1). A
portal registered from a profile receives only the claims its profile lists
(`claims.within_profile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from idp.clients.profiles import PortalProfiles
from idp.clients.service import find_client
from idp.oauth.models import Grant
from idp.oauth.tokens import TokenPolicy, read_access_token
from idp.oidc.claims import released_claims
from idp.subjects.service import SubjectIdentifiers
from keys import Keyring

REALM = "passerelle"


@dataclass(frozen=True, slots=True)
class UserinfoAnswer:
    status_code: int
    body: dict[str, Any]
    challenge: str | None = None


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _invalid(description: str) -> UserinfoAnswer:
    return UserinfoAnswer(
        401,
        {"error": "invalid_token", "error_description": description},
        f'Bearer realm="{REALM}", error="invalid_token", error_description="{description}"',
    )


def _bad_request(description: str) -> UserinfoAnswer:
    return UserinfoAnswer(
        400,
        {"error": "invalid_request", "error_description": description},
        f'Bearer realm="{REALM}", error="invalid_request", error_description="{description}"',
    )


def presented_token(authorization: str | None, body_tokens: Sequence[str]) -> str | UserinfoAnswer:
    """The one access token of the request (RFC 6750 sections 2.1 and 2.2), or the refusal."""
    if body_tokens and authorization:
        return _bad_request("send the access token in the Authorization header or the body")
    if len(body_tokens) > 1:
        return _bad_request("parameter 'access_token' is included more than once")
    if body_tokens:
        return body_tokens[0]
    token = bearer_token(authorization)
    if token is not None:
        return token
    if authorization and authorization.partition(" ")[0].lower() == "bearer":
        return _invalid("the Authorization header is not a Bearer token")
    return UserinfoAnswer(401, {}, f'Bearer realm="{REALM}"')  # no token, or another scheme


def answer_userinfo(
    db: Session,
    keyring: Keyring,
    policy: TokenPolicy,
    authorization: str | None,
    now: datetime,
    subjects: SubjectIdentifiers,
    profiles: PortalProfiles,
    body_tokens: Sequence[str] = (),
) -> UserinfoAnswer:
    token = presented_token(authorization, body_tokens)
    if isinstance(token, UserinfoAnswer):
        return token
    claims = read_access_token(db, keyring, policy, token, now)
    if claims is None:
        return _invalid("the access token is expired, revoked or not ours")
    scope = str(claims.get("scope", ""))
    if "openid" not in scope.split():
        return UserinfoAnswer(
            403,
            {"error": "insufficient_scope", "error_description": "the token lacks openid"},
            f'Bearer realm="{REALM}", error="insufficient_scope", scope="openid"',
        )
    # The token's `sub` is the one its client knows (public or pairwise, OIDC Core §8).
    client = find_client(db, str(claims.get("client_id", "")))
    account = subjects.account_for_subject(db, str(claims["sub"]), client) if client else None
    if account is None or not account.is_active:
        return _invalid("the account behind this token is no longer active")
    grant = db.get(Grant, str(claims.get("gid", "")))
    claims_request = grant.claims_request if grant is not None else None
    released = released_claims(
        db,
        account,
        scope,
        claims_request,
        "userinfo",
        subject=str(claims["sub"]),
        allowed=profiles.claims_of(client),
    )
    return UserinfoAnswer(200, released)
