"""Access tokens (RFC 9068 JWTs), refresh tokens with rotation, grants and their revocation.

- Access tokens are signed JWTs with `typ: at+jwt` (RFC 9068 section 2.1) carrying `iss`,
  `exp`, `aud`, `sub`, `client_id`, `iat`, `jti`, `scope` and our `gid` (grant id), so
  introspection and userinfo verify them without a database write at issuance.
- Refresh tokens are opaque, rotated at every use (RFC 9700 section 4.14.2); presenting a
  rotated one revokes the whole grant: every refresh and access token of the family.
- Revoking an access token (RFC 7009) records its `jti` until it would have expired.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from consent import access_allows, grants_of
from idp.oauth.models import Grant, RefreshToken, RevokedAccessToken
from keys import InvalidToken, Keyring, check_time_claims, sign_jwt

ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105  # RFC 9068 media type, not a secret
ACCESS_TOKEN_ALGS = ["ES256", "RS256", "EdDSA"]
MAX_TOKEN_LENGTH = 4096


class Liveness(Protocol):
    """Answers "is this access token still alive?" (`idp.oauth.liveness.TokenLiveness`)."""

    def is_alive(self, session: Session, grant_id: str, jti: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    issuer: str
    access_token_alg: str
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int


def digest_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_id() -> str:
    return uuid.uuid4().hex


# Grants ---------------------------------------------------------------------------------


# Built once, written at once (not planned by a flush): a sign-in writes both.
_INSERT_GRANT = insert(Grant)
_INSERT_REFRESH_TOKEN = insert(RefreshToken)


def create_grant(
    session: Session,
    *,
    client_id: str,
    account_id: str | None,
    scope: str,
    now: datetime,
    sid: str | None = None,
    auth_time: datetime | None = None,
    acr: str | None = None,
    amr: list[str] | None = None,
    grant_id: str | None = None,
    claims_request: dict[str, Any] | None = None,
) -> Grant:
    """The grant, inserted now. The `Grant` returned is a value (the session does not
    track it): change a grant with `revoke_grant`, not by setting its attributes."""
    fields: dict[str, Any] = {
        "id": grant_id or new_id(),
        "client_id": client_id,
        "account_id": account_id,
        "scope": scope,
        "sid": sid,
        "auth_time": auth_time,
        "acr": acr,
        "amr": amr or [],
        "claims_request": claims_request,
        "created_at": now,
    }
    session.execute(_INSERT_GRANT, fields)
    return Grant(**fields, revoked_at=None, revoked_reason=None)


def revoke_grant(session: Session, grant_id: str, reason: str, now: datetime) -> bool:
    """Revoke a grant (and so every token of its family); True if it was active."""
    result = session.execute(
        update(Grant)
        .where(Grant.id == grant_id, Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def revoke_session_grants(db: Session, sid: str, reason: str, now: datetime) -> int:
    """Every grant issued through this browser session ends with it (DESIGN.md section 8)."""
    result = db.execute(
        update(Grant)
        .where(Grant.sid == sid, Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def revoke_account_grants(db: Session, account_id: str, reason: str, now: datetime) -> int:
    """A password change or an account recovery ends every grant of the account."""
    result = db.execute(
        update(Grant)
        .where(Grant.account_id == account_id, Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


_GRANT_REVOKED_AT = select(Grant.revoked_at).where(Grant.id == bindparam("grant_id"))
# Introspection's question in one round trip: is the grant alive and the token not revoked?
_TOKEN_ALIVE = select(
    Grant.revoked_at.is_(None),
    select(RevokedAccessToken.jti)
    .where(RevokedAccessToken.jti == bindparam("jti"))
    .exists()
    .label("token_revoked"),
).where(Grant.id == bindparam("grant_id"))


def is_grant_active(session: Session, grant_id: str) -> bool:
    revoked = session.execute(_GRANT_REVOKED_AT, {"grant_id": grant_id}).first()
    return revoked is not None and revoked[0] is None


# Access tokens --------------------------------------------------------------------------


def access_token_claims(
    policy: TokenPolicy,
    *,
    client_id: str,
    subject: str,
    scope: str,
    grant_id: str,
    now: datetime,
    audience: str | list[str] | None = None,
    extra_claims: dict[str, Any] | None = None,
) -> dict[str, Any]:
    iat = int(now.timestamp())
    claims: dict[str, Any] = {
        "iss": policy.issuer,
        "sub": subject,
        "aud": audience or client_id,
        "client_id": client_id,
        "iat": iat,
        "exp": iat + policy.access_token_ttl_seconds,
        "jti": secrets.token_urlsafe(16),
        "scope": scope,
        "gid": grant_id,
    }
    if extra_claims:
        claims.update(extra_claims)
    return claims


def issue_access_token(
    session: Session, keyring: Keyring, policy: TokenPolicy, **fields: Any
) -> tuple[str, dict[str, Any]]:
    """A signed access token and its claims; `fields` are `access_token_claims`'s."""
    claims = access_token_claims(policy, **fields)
    key = keyring.signing_key(session, policy.access_token_alg)
    return sign_jwt(key, claims, typ=ACCESS_TOKEN_TYP), claims


def looks_like_jwt(token: str) -> bool:
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH and token.count(".") == 2


def access_token_ids(
    header: dict[str, Any], claims: dict[str, Any], policy: TokenPolicy, now: datetime
) -> tuple[str, str] | None:
    """The (grant id, jti) of a verified, unexpired access token of ours, else None."""
    try:
        check_time_claims(claims, now)
    except InvalidToken:
        return None
    if header.get("typ") != ACCESS_TOKEN_TYP or claims.get("iss") != policy.issuer:
        return None
    jti, gid = claims.get("jti"), claims.get("gid")
    if not isinstance(jti, str) or not isinstance(gid, str):
        return None
    return gid, jti


def is_access_token_alive(session: Session, grant_id: str, jti: str) -> bool:
    """The database's answer: the grant is not revoked and the `jti` is not denied."""
    alive = session.execute(_TOKEN_ALIVE, {"grant_id": grant_id, "jti": jti}).first()
    return alive is not None and bool(alive[0]) and not alive.token_revoked


def read_access_token(
    session: Session,
    keyring: Keyring,
    policy: TokenPolicy,
    token: str,
    now: datetime,
    liveness: Liveness | None = None,
) -> dict[str, Any] | None:
    """The claims of an active access token of ours, or None (expired, revoked, foreign).

    `liveness` may answer "alive" from memory while nothing was revoked since it last read
    the database (`idp.oauth.liveness`); issuance paths pass none and always read."""
    if not looks_like_jwt(token):
        return None
    try:
        header, claims = keyring.verify(session, token, ACCESS_TOKEN_ALGS, now)
    except InvalidToken:
        return None
    ids = access_token_ids(header, claims, policy, now)
    if ids is None:
        return None
    gid, jti = ids
    if liveness is not None:
        alive = liveness.is_alive(session, gid, jti)
    else:
        alive = is_access_token_alive(session, gid, jti)
    if not alive:
        return None
    delegation_id = claims.get("delegation_id")
    if delegation_id is not None and not access_allows(
        session, str(delegation_id), now, grants_of(claims.get("authorization_details") or [])
    ):
        return None  # revoking or narrowing a delegation is immediate (DESIGN.md section 5)
    return claims


def revoke_access_token(session: Session, claims: dict[str, Any]) -> None:
    jti = claims["jti"]
    if session.get(RevokedAccessToken, jti) is None:
        expires = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
        session.add(RevokedAccessToken(jti=jti, expires_at=expires))
        session.flush()


def prune_revoked_access_tokens(session: Session, now: datetime) -> int:
    result = session.execute(delete(RevokedAccessToken).where(RevokedAccessToken.expires_at < now))
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of a DELETE


# Refresh tokens -------------------------------------------------------------------------


def issue_refresh_token(
    session: Session,
    policy: TokenPolicy,
    *,
    grant_id: str,
    client_id: str,
    scope: str,
    now: datetime,
) -> str:
    token = secrets.token_urlsafe(32)
    session.execute(
        _INSERT_REFRESH_TOKEN,
        {
            "digest": digest_token(token),
            "grant_id": grant_id,
            "client_id": client_id,
            "scope": scope,
            "created_at": now,
            "expires_at": now + timedelta(seconds=policy.refresh_token_ttl_seconds),
        },
    )
    return token


class RefreshTokenRejected(Exception):
    """The refresh token cannot be used; `reason` says why (for logs, never for clients)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def find_refresh_token(session: Session, token: str) -> RefreshToken | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.get(RefreshToken, digest_token(token))


def check_refresh_token(
    session: Session, token: str, client_id: str, now: datetime
) -> RefreshToken:
    """The refresh token's row when it may be used now; a rotated one revokes its grant.

    A second presentation of a rotated token is the reuse RFC 9700 section 4.14.2 warns
    about: the grant is revoked, killing the legitimate holder's tokens too, because the
    server cannot tell which of the two presenters is the attacker.
    """
    row = find_refresh_token(session, token)
    if row is None or row.client_id != client_id:
        raise RefreshTokenRejected("unknown")
    if row.rotated_at is not None:
        revoke_grant(session, row.grant_id, "refresh_token_reuse", now)
        raise RefreshTokenRejected("reused")
    if row.expires_at <= now:
        raise RefreshTokenRejected("expired")
    if not is_grant_active(session, row.grant_id):
        raise RefreshTokenRejected("grant_revoked")
    return row


def rotate_refresh_token(session: Session, row: RefreshToken, now: datetime) -> None:
    """Retire a used refresh token exactly once across every replica (atomic UPDATE)."""
    claimed = session.execute(
        update(RefreshToken)
        .where(RefreshToken.digest == row.digest, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]  # a concurrent use won the race
        revoke_grant(session, row.grant_id, "refresh_token_reuse", now)
        raise RefreshTokenRejected("reused")


def is_refresh_token_active(session: Session, row: RefreshToken, now: datetime) -> bool:
    return (
        row.rotated_at is None and row.expires_at > now and is_grant_active(session, row.grant_id)
    )
