"""The client credentials grant (RFC 6749 section 4.4): a portal acting for itself.

The token's `sub` is the client id (RFC 9068 section 2.2). Without a `scope` parameter the
client gets the scopes it is registered for, minus the ones that only make sense for a
person (`openid`, `offline_access`); never a refresh token (RFC 6749 section 4.4.3).

A portal's own tokens all belong to one *service grant* per client, written once and
reused, rather than a grant row per token: issuing a client-credentials token then writes
nothing (the hottest endpoint stays a read). Revoking that grant still ends every one of
the portal's own tokens at once (introspection checks it); a revoked service grant is
replaced by a new one at the next issuance, at most `SERVICE_GRANT_RECHECK_SECONDS` later.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import grants
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.clients.service import RegisteredClient
from idp.oauth.errors import InvalidScopeError
from idp.oauth.issuance import IssuingGrant
from idp.oauth.models import Grant
from idp.oauth.tokens import create_grant

PERSON_ONLY_SCOPES = frozenset({"openid", "offline_access", "profile", "email"})
SERVICE_SCOPE = "service"
SERVICE_GRANT_RECHECK_SECONDS = 5.0


class ServiceGrants:
    """The living service grant of each client, remembered per process for a few seconds."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._known: dict[str, tuple[Grant, float]] = {}

    def remembered(self, client_id: str) -> Grant | None:
        """The client's service grant if read less than the recheck interval ago, else None."""
        known = self._known.get(client_id)
        if known is None or self._now() - known[1] >= SERVICE_GRANT_RECHECK_SECONDS:
            return None
        return known[0]

    def for_client(self, db: Session, client_id: str, now: datetime) -> Grant:
        known = self.remembered(client_id)
        if known is not None:
            return known
        grant = db.scalar(
            select(Grant)
            .where(
                Grant.client_id == client_id,
                Grant.account_id.is_(None),
                Grant.scope == SERVICE_SCOPE,
                Grant.revoked_at.is_(None),
            )
            .limit(1)
        )
        if grant is None:  # remembered only once committed: the next request reads it back
            return create_grant(
                db, client_id=client_id, account_id=None, scope=SERVICE_SCOPE, now=now
            )
        db.expunge(grant)  # a plain value from here on, shared by later requests
        self._known[client_id] = (grant, self._now())
        return grant


def service_scope(client: RegisteredClient, asked: str | None) -> str:
    """The scope of a portal's own token: what it asked for, or all it is registered for
    (minus the scopes of a person); `invalid_scope` if it asks for more."""
    registered = set(client.scope.split()) - PERSON_ONLY_SCOPES
    if not asked:
        return " ".join(sorted(registered))
    wanted = asked.split()
    if any(s not in registered for s in wanted):
        raise InvalidScopeError("'scope' asks for more than the client may have")
    return " ".join(wanted)


class ClientCredentialsGrant(IssuingGrant, grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [  # noqa: RUF012  # authlib's class attribute
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]

    def create_token_response(self) -> Any:
        client = self.request.client
        scope = service_scope(client, self.request.payload.scope)
        ctx = self.request.ctx
        ctx.grant = self.server.service_grants.for_client(ctx.db, client.client_id, ctx.now)
        token = self.generate_token(scope=scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER
