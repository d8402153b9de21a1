"""Issuing the tokens of a token response: the grant they belong to, the access token,
and a refresh token when the grant allows one.

Every grant type ends here (authlib's `generate_token`, overridden by `IssuingGrant` so
it receives the request): the grant row is recorded in the request's transaction
(`ctx.grant`) and the tokens carry its id, so revoking the grant (code or refresh-token
reuse, sign-out, password change) kills the whole family. An RFC 9396 request through
the browser issues the short delegated token instead (`token_exchange.py`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from idp.accounts.models import Account
from idp.clients.service import RegisteredClient
from idp.oauth.context import OAuthContext
from idp.oauth.delegated_tokens import issue_delegated_token
from idp.oauth.models import Grant
from idp.oauth.tokens import create_grant, issue_access_token, issue_refresh_token
from keys import Keyring


def record_grant(ctx: OAuthContext, **fields: Any) -> Grant:
    ctx.grant = create_grant(ctx.db, now=ctx.now, **fields)
    return ctx.grant


def issue_tokens(
    server: Any,
    ctx: OAuthContext,
    client: RegisteredClient,
    user: Account | None,
    scope: str,
    *,
    include_refresh_token: bool,
    refresh_scope: str | None = None,
) -> dict[str, Any]:
    """The token response. The access token carries `scope`; a new refresh token carries
    `refresh_scope` when given (RFC 6749 section 6: a rotated refresh token keeps the scope of
    the one it replaces, however narrow the access token asked for), else `scope`."""
    grant = ctx.grant
    if grant is None:
        raise RuntimeError("a token was asked for before its grant was recorded")
    keyring: Keyring = server.keyring
    if ctx.delegated is not None:
        # RFC 9396 through the browser: the token acts for the applicant, no refresh token.
        value, issued = issue_delegated_token(
            ctx, keyring, server.config.tokens, client.client_id, ctx.delegated, grant.id
        )
        return {
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": issued["exp"] - issued["iat"],
            "scope": scope,
            "authorization_details": ctx.delegated.to_claims(),
        }
    extra: dict[str, Any] = {}
    if user is not None and grant.auth_time is not None:
        extra = {"auth_time": int(grant.auth_time.timestamp()), "acr": grant.acr}
    access_token, claims = issue_access_token(
        ctx.db,
        keyring,
        server.config.tokens,
        client_id=client.client_id,
        subject=(
            ctx.subjects.subject_for(ctx.db, user, client) if user is not None else client.client_id
        ),
        scope=scope,
        grant_id=grant.id,
        now=ctx.now,
        extra_claims=extra,
    )
    token: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": claims["exp"] - claims["iat"],
        "scope": scope,
    }
    if include_refresh_token and user is not None:
        token["refresh_token"] = issue_refresh_token(
            ctx.db,
            server.config.tokens,
            grant_id=grant.id,
            client_id=client.client_id,
            scope=scope if refresh_scope is None else refresh_scope,
            now=ctx.now,
        )
    return token


class IssuingGrant:
    """Mixin for our authlib grants: `generate_token` with the request's context."""

    request: Any
    server: Any

    def refresh_scope(self) -> str | None:
        """The scope of the refresh token this grant issues, when not the access token's."""
        return None

    def generate_token(
        self,
        user: Account | None = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        return issue_tokens(
            self.server,
            self.request.ctx,
            self.request.client,
            user,
            scope or "",
            include_refresh_token=include_refresh_token,
            refresh_scope=self.refresh_scope(),
        )


def now_of(request: Any) -> datetime:
    now: datetime = request.ctx.now
    return now
