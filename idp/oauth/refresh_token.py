"""The refresh token grant (RFC 6749 section 6) with rotation and reuse detection.

Every use returns a new refresh token and retires the old one (RFC 9700 section 4.14.2);
the retirement is an atomic UPDATE, so two replicas racing on one token cannot both win.
The access token's scope may only shrink; the new refresh token keeps the scope of the one
it replaces (RFC 6749 section 6), so a narrow refresh does not narrow the grant. An ID
token is returned again for `openid` grants (OIDC Core 12.2), with the original
`auth_time`, `acr`, `amr` and `sid`.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import grants

from idp.accounts.models import Account
from idp.oauth.errors import InvalidGrantError, InvalidScopeError
from idp.oauth.issuance import IssuingGrant
from idp.oauth.models import Grant, RefreshToken
from idp.oauth.tokens import RefreshTokenRejected, check_refresh_token, rotate_refresh_token


class RefreshTokenHandle:
    """authlib's view of a refresh token row."""

    def __init__(self, row: RefreshToken) -> None:
        self.row = row

    def check_client(self, client: Any) -> bool:
        return bool(self.row.client_id == client.client_id)

    def get_scope(self) -> str:
        return self.row.scope


class RefreshTokenGrant(IssuingGrant, grants.RefreshTokenGrant):  # type: ignore[misc]  # untyped
    INCLUDE_NEW_REFRESH_TOKEN = True
    TOKEN_ENDPOINT_AUTH_METHODS = [  # noqa: RUF012  # authlib's class attribute
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    ]

    def refresh_scope(self) -> str:
        handle: RefreshTokenHandle = self.request.refresh_token
        return handle.row.scope

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshTokenHandle:
        """The token's row; a refusal names `refresh_token` (authlib's `invalid_grant` has
        no description) without saying which of the reasons it was."""
        ctx = self.request.ctx
        try:
            row = check_refresh_token(ctx.db, refresh_token, self.request.client.client_id, ctx.now)
        except RefreshTokenRejected:
            raise InvalidGrantError(
                "'refresh_token' is unknown, expired, revoked or already used"
            ) from None
        return RefreshTokenHandle(row)

    def _validate_token_scope(self, token: RefreshTokenHandle) -> None:
        """authlib's check that `scope` only narrows (RFC 6749 section 6), its refusal
        naming the parameter."""
        try:
            super()._validate_token_scope(token)
        except InvalidScopeError:
            raise InvalidScopeError("'scope' asks for more than the refresh token grants") from None

    def authenticate_user(self, refresh_token: RefreshTokenHandle) -> Account | None:
        ctx = self.request.ctx
        grant = ctx.db.get(Grant, refresh_token.row.grant_id)
        if grant is None or grant.account_id is None:
            return None
        account: Account | None = ctx.db.get(Account, grant.account_id)
        if account is None or not account.is_active:
            return None
        ctx.grant = grant  # the new tokens belong to the same grant (one family)
        return account

    def revoke_old_credential(self, refresh_token: RefreshTokenHandle) -> None:
        ctx = self.request.ctx
        try:
            rotate_refresh_token(ctx.db, refresh_token.row, ctx.now)
        except RefreshTokenRejected:
            raise InvalidGrantError("'refresh_token' was already used") from None
