"""Delegated tokens by token exchange (RFC 8693) with authorization details (RFC 9396).

A portal exchanges a representative's access token (`subject_token`) for a short-lived
token to act on one application of an applicant, naming the application and the actions
in `authorization_details` (type `passerelle_application`). Every action must be allowed
by one active delegation (`consent.resolve_access`). The token's `sub` is the applicant, `act`
names the representative (section 4.1), and it carries `authorization_details` and
`delegation_id`. It never comes with a refresh token: the representative exchanges again,
so a revocation takes effect at the next request at the latest — and at once at
introspection, which checks the delegation.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from authlib.oauth2.rfc6749.grants import BaseGrant
from authlib.oauth2.rfc6749.grants.base import TokenEndpointMixin

from consent import DelegatedAccess, record_event
from idp.oauth.authorization_details import parse_authorization_details, resolve_delegated_access
from idp.oauth.clients import TOKEN_EXCHANGE
from idp.oauth.errors import (
    InvalidGrantError,
    InvalidRequestError,
    UnauthorizedClientError,
)
from idp.oauth.tokens import issue_access_token, read_access_token

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # a URN
DELEGATED_TOKEN_TTL_SECONDS = 300


def issue_delegated_token(
    server: Any, client_id: str, access: DelegatedAccess, grant_id: str
) -> tuple[str, dict[str, Any]]:
    """A short-lived access token for `access` (never with a refresh token); audited."""
    policy = server.runtime.token_policy
    short_policy = replace(
        policy,
        access_token_ttl_seconds=min(DELEGATED_TOKEN_TTL_SECONDS, policy.access_token_ttl_seconds),
    )
    token, issued = issue_access_token(
        server.session,
        server.runtime.keyring,
        short_policy,
        client_id=client_id,
        subject=access.principal,
        scope="delegated",
        grant_id=grant_id,
        now=server.now(),
        extra_claims={
            "act": {"sub": access.actor},
            "authorization_details": access.to_claims(),
            "delegation_id": access.delegation_id,
        },
    )
    record_event(
        server.session,
        event="token.issued",
        actor=access.actor,
        principal=access.principal,
        delegation_id=access.delegation_id,
        application_id=access.applications[0].application_id,
        now=server.now(),
        details={"portal": client_id, "jti": issued["jti"], "actions": list(access.actions)},
    )
    return token, issued


class TokenExchangeGrant(BaseGrant, TokenEndpointMixin):  # type: ignore[misc]  # authlib untyped
    GRANT_TYPE = TOKEN_EXCHANGE
    TOKEN_ENDPOINT_AUTH_METHODS = [  # noqa: RUF012  # authlib's class attribute
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("the client may not use token exchange")
        self.request.client = client
        form = self.request.form
        if not form.get("subject_token"):
            raise InvalidRequestError("missing 'subject_token'")
        if form.get("subject_token_type") != ACCESS_TOKEN_TYPE:
            raise InvalidRequestError(f"'subject_token_type' must be {ACCESS_TOKEN_TYPE}")
        if form.get("actor_token") or form.get("requested_token_type") not in (
            None,
            ACCESS_TOKEN_TYPE,
        ):
            raise InvalidRequestError("only access tokens are issued, without actor_token")
        server = self.server
        claims = read_access_token(
            server.session,
            server.runtime.keyring,
            server.runtime.token_policy,
            form["subject_token"],
            server.now(),
        )
        if claims is None or claims.get("sub") == claims.get("client_id") or "act" in claims:
            raise InvalidGrantError("'subject_token' is not an active token of a person")
        details = parse_authorization_details(form.get("authorization_details"))
        access = resolve_delegated_access(
            server.session, client.client_id, str(claims["sub"]), details, server.now()
        )
        self.request.exchange = access

    def create_token_response(self) -> Any:
        access: DelegatedAccess = self.request.exchange
        server = self.server
        grant = server.start_grant(
            self.request,
            client_id=self.request.client.client_id,
            account_id=None,
            scope="delegated",
        )
        token, issued = issue_delegated_token(
            server, self.request.client.client_id, access, grant.id
        )
        body = {
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": issued["exp"] - issued["iat"],
            "authorization_details": access.to_claims(),
        }
        return 200, body, self.TOKEN_RESPONSE_HEADER
