"""Token introspection (RFC 7662) and revocation (RFC 7009) on authlib's endpoints.

Both accept access tokens (our RFC 9068 JWTs) and refresh tokens, with or without a
`token_type_hint`; the hint only orders the search, and a hint naming no type we know is
ignored (`check_token_parameters`), so `unsupported_token_type` is never answered. An inactive,
foreign or unknown token introspects as `{"active": false}` and nothing else (RFC 7662
section 2.2). A client may introspect the tokens issued to it or meant for it (`aud`);
revocation of a token that is already dead succeeds silently (RFC 7009 section 2.2).
An access token's `sub` is already the one its client knows (an access token's `aud` is
its client); a refresh token's is computed for its client (`idp.subjects`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc7009 import RevocationEndpoint as _RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint as _IntrospectionEndpoint

from idp.accounts.models import Account
from idp.oauth.context import OAuthContext
from idp.oauth.errors import InvalidGrantError, InvalidRequestError
from idp.oauth.models import Grant, RefreshToken
from idp.oauth.tokens import (
    find_refresh_token,
    is_refresh_token_active,
    read_access_token,
    revoke_access_token,
    revoke_grant,
)

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


@dataclass
class FoundToken:
    kind: str  # "access_token" | "refresh_token"
    client_id: str
    claims: dict[str, Any] | None = None
    refresh: RefreshToken | None = None
    active: bool = True
    subject: str | None = None

    def check_client(self, client: Any) -> bool:
        return bool(self.client_id == client.client_id)

    def is_expired(self) -> bool:
        return not self.active

    def is_revoked(self) -> bool:
        return not self.active

    def audiences(self) -> list[str]:
        aud = (self.claims or {}).get("aud", [])
        return [aud] if isinstance(aud, str) else list(aud)


ANSWERED_CLAIMS = (
    "scope",
    "client_id",
    "sub",
    "exp",
    "iat",
    "iss",
    "aud",
    "jti",
    "auth_time",
    "acr",
    "act",
    "authorization_details",
    "delegation_id",
)


def access_token_answer(claims: dict[str, Any]) -> dict[str, Any]:
    """What introspection tells of an active access token (authlib adds `active`)."""
    payload = {k: claims[k] for k in ANSWERED_CLAIMS if k in claims}
    payload["token_type"] = "Bearer"  # noqa: S105  # RFC 7662 wire value
    return payload


def _subject_of_grant(ctx: OAuthContext, grant_id: str, client_id: str) -> str | None:
    """The `sub` the refresh token's client knows its person by (OIDC Core §8)."""
    grant = ctx.db.get(Grant, grant_id)
    if grant is None or grant.account_id is None:
        return None
    account = ctx.db.get(Account, grant.account_id)
    client = ctx.find_client(client_id)
    if account is None or client is None:
        return None
    return ctx.subjects.subject_for(ctx.db, account, client)


def check_token_parameters(request: Any) -> None:
    """The checks of `authenticate_token` before the search: `token` is required; any
    `token_type_hint` is accepted.

    RFC 7009 section 2.1 and RFC 7662 section 2.1: a server that cannot locate the token
    with the hint MUST extend its search across all its token types, and MAY ignore the
    hint. RFC 7009 section 2.2.1 keeps `unsupported_token_type` for a server that cannot
    revoke the presented type, and both our types can be revoked. An unknown hint (authlib
    answers it with a 401 `unsupported_token_type` without a challenge) is therefore
    ignored and the search covers both types, as without a hint.
    """
    if "token" not in request.form:
        raise InvalidRequestError("missing 'token'")


def find_token(server: Any, ctx: OAuthContext, token: str, hint: str | None) -> FoundToken | None:
    session, now = ctx.db, ctx.now
    order = (
        ["refresh_token", "access_token"]
        if hint == "refresh_token"
        else ["access_token", "refresh_token"]
    )
    for kind in order:
        if kind == "access_token":
            claims = read_access_token(
                session, server.keyring, server.config.tokens, token, now, server.liveness
            )
            if claims is not None:
                return FoundToken(kind, str(claims["client_id"]), claims=claims)
        else:
            row = find_refresh_token(session, token)
            if row is not None:
                active = is_refresh_token_active(session, row, now)
                subject = _subject_of_grant(ctx, row.grant_id, row.client_id)
                return FoundToken(kind, row.client_id, refresh=row, active=active, subject=subject)
    return None


class IntrospectionEndpoint(_IntrospectionEndpoint):  # type: ignore[misc]  # authlib untyped
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_token(self, request: Any, client: Any) -> FoundToken | None:
        """authlib's, finding the token through the request's context."""
        check_token_parameters(request)
        token = find_token(
            self.server, request.ctx, request.form["token"], request.form.get("token_type_hint")
        )
        return token if token and self.check_permission(token, client, request) else None

    def check_permission(self, token: FoundToken, client: Any, request: Any) -> bool:
        return token.check_client(client) or client.client_id in token.audiences()

    def introspect_token(self, token: FoundToken) -> dict[str, Any]:
        if token.claims is not None:
            return access_token_answer(token.claims)
        row = token.refresh
        assert row is not None  # a FoundToken holds claims or a refresh row
        payload = {
            "scope": row.scope,
            "client_id": row.client_id,
            "exp": int(row.expires_at.timestamp()),
            "iat": int(row.created_at.timestamp()),
            "iss": self.server.config.issuer,
            "token_type": "refresh_token",
        }
        if token.subject:
            payload["sub"] = token.subject
        return payload


class RevocationEndpoint(_RevocationEndpoint):  # type: ignore[misc]  # authlib untyped
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_token(self, request: Any, client: Any) -> FoundToken | None:
        """authlib's, finding the token through the request's context."""
        check_token_parameters(request)
        token = find_token(
            self.server, request.ctx, request.form["token"], request.form.get("token_type_hint")
        )
        if token and not token.check_client(client):
            raise InvalidGrantError("the token was issued to another client")
        return token

    def revoke_token(self, token: FoundToken, request: Any) -> None:
        ctx = request.ctx
        if token.claims is not None:
            revoke_access_token(ctx.db, token.claims)
        elif token.refresh is not None:
            # RFC 7009 section 2.1: revoking a refresh token SHOULD revoke the access tokens
            # of the same grant as well.
            revoke_grant(ctx.db, token.refresh.grant_id, "revoked_by_client", ctx.now)
