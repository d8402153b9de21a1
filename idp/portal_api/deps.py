"""Who is calling the portal API: a portal with a client-credentials token and a scope.

The token must be one of ours, active, issued to the portal for itself (`sub` is its
client id, RFC 9068 section 2.2) and carry the operation's scope; otherwise the call is
refused with RFC 6750's `invalid_token` (401) or `insufficient_scope` (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from idp.clients.service import RegisteredClient
from idp.errors import BearerRejected
from idp.http.deps import Db, Now
from idp.oauth.deps import Server
from idp.oauth.tokens import read_access_token
from idp.oidc.userinfo import bearer_token


def portal_with_scope(scope: str) -> Callable[..., RegisteredClient]:
    def calling_portal(request: Request, db: Db, server: Server, now: Now) -> RegisteredClient:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise BearerRejected(401, "invalid_token", "a Bearer access token is required")
        claims = read_access_token(
            db, server.keyring, server.config.tokens, token, now, server.liveness
        )
        client = server.clients.find(db, str(claims.get("client_id"))) if claims else None
        if claims is None or client is None or claims.get("sub") != client.client_id:
            raise BearerRejected(401, "invalid_token", "the token is not an active portal token")
        if scope not in str(claims.get("scope", "")).split():
            raise BearerRejected(403, "insufficient_scope", f"the token lacks scope {scope}")
        return client

    return calling_portal


WritingPortal = Annotated[RegisteredClient, Depends(portal_with_scope("applications:write"))]
ReadingPortal = Annotated[RegisteredClient, Depends(portal_with_scope("delegations:read"))]
