"""Delegated tokens by token exchange (RFC 8693) with authorization details (RFC 9396).

A portal exchanges a representative's access token (`subject_token`) for a short-lived
token to act on one application of an applicant, naming the application and the actions
in `authorization_details` (type `passerelle_application`). The subject token must have
been issued to the portal that presents it (DESIGN.md section 8: a subject token is
exchanged only by the client it was issued to), and every action must be allowed by one
active delegation (`consent`). Resolving the delegation and issuing the token happen in
one transaction serialized with every change to that delegation, so once a revocation has
committed no token under the old terms is issued on any instance.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.grants import BaseGrant
from authlib.oauth2.rfc6749.grants.base import TokenEndpointMixin

from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.clients.registration import TOKEN_EXCHANGE
from idp.db import serialize_with_writers
from idp.oauth.authorization_details import (
    needs_second_factor,
    parse_authorization_details,
    resolve_delegated_access,
)
from idp.oauth.delegated_tokens import issue_delegated_token
from idp.oauth.errors import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidTargetError,
    UnauthorizedClientError,
)
from idp.oauth.issuance import record_grant
from idp.oauth.tokens import read_access_token

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105  # a URN


class TokenExchangeGrant(BaseGrant, TokenEndpointMixin):  # type: ignore[misc]  # authlib untyped
    GRANT_TYPE = TOKEN_EXCHANGE
    TOKEN_ENDPOINT_AUTH_METHODS = [  # noqa: RUF012  # authlib's class attribute
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]

    def _check_parameters(self, form: dict[str, str]) -> None:
        if not form.get("subject_token"):
            raise InvalidRequestError("missing 'subject_token'")
        if form.get("subject_token_type") != ACCESS_TOKEN_TYPE:
            raise InvalidRequestError(f"'subject_token_type' must be {ACCESS_TOKEN_TYPE}")
        if form.get("actor_token") or form.get("requested_token_type") not in (
            None,
            ACCESS_TOKEN_TYPE,
        ):
            raise InvalidRequestError("only access tokens are issued, without actor_token")

    def _check_target(self, client_id: str) -> None:
        """Section 2.2.2: a delegated token is for the portal that asks (its `aud`), so an
        `audience` naming anyone else, or a `resource`, is `invalid_target`, never ignored
        (a portal would take the token for one another service accepts)."""
        params = self.request.info.params.all
        if params.get("resource"):
            raise InvalidTargetError("'resource' is not supported: the token is for the portal")
        if any(audience != client_id for audience in params.get("audience", [])):
            raise InvalidTargetError("'audience' may only name the requesting client_id")

    def validate_token_request(self) -> None:
        client = self.authenticate_token_endpoint_client()
        if not client.check_grant_type(self.GRANT_TYPE):
            raise UnauthorizedClientError("the client may not use token exchange")
        self.request.client = client
        form = self.request.form
        self._check_parameters(form)
        self._check_target(client.client_id)
        ctx = self.request.ctx
        claims = read_access_token(
            ctx.db, self.server.keyring, self.server.config.tokens, form["subject_token"], ctx.now
        )
        if claims is None or claims.get("sub") == claims.get("client_id") or "act" in claims:
            raise InvalidGrantError("'subject_token' is not an active token of a person")
        if claims.get("client_id") != client.client_id:
            raise InvalidGrantError("'subject_token' was issued to another client")
        # The portal knows the representative by its own `sub` (public or pairwise).
        actor = ctx.subjects.account_for_subject(ctx.db, str(claims["sub"]), client)
        if actor is None:
            raise InvalidGrantError("'subject_token' is not an active token of a person")
        details = parse_authorization_details(form.get("authorization_details"))
        serialize_with_writers(ctx.db)  # SQLite: from here on, exclusive with every revoke
        ctx.delegated = resolve_delegated_access(
            ctx.db, client.client_id, actor.subject, details, ctx.now
        )
        if needs_second_factor(ctx.delegated) and claims.get("acr") != ACR_MULTI_FACTOR:
            raise InvalidGrantError(
                "a paid representative acts only with a token from a second-factor sign-in"
            )

    def create_token_response(self) -> Any:
        ctx = self.request.ctx
        client_id = self.request.client.client_id
        grant = record_grant(ctx, client_id=client_id, account_id=None, scope="delegated")
        token, issued = issue_delegated_token(
            ctx, self.server.keyring, self.server.config.tokens, client_id, ctx.delegated, grant.id
        )
        body = {
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": issued["exp"] - issued["iat"],
            # Section 2.2.1: REQUIRED unless identical to the scope asked for (which is ignored).
            "scope": issued["scope"],
            "authorization_details": ctx.delegated.to_claims(),
        }
        return 200, body, self.TOKEN_RESPONSE_HEADER
