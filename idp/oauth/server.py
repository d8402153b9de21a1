"""authlib's authorization server, wired to our storage, keys and clock.

A server is built per request (`build_server(runtime, session)`): registering the grants
is a few list appends, and it lets every authlib callback reach the request's database
session without a global. The grants, endpoints and extensions each live in their own
module; this one only assembles them and turns authlib's `(status, body, headers)` into
Starlette responses.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, RedirectResponse, Response

from consent import DelegatedAccess
from idp.accounts.models import Account
from idp.oauth.authorization_code import AuthorizationCodeGrant
from idp.oauth.client_auth import PrivateKeyJwt
from idp.oauth.client_credentials import ClientCredentialsGrant
from idp.oauth.clients import SUPPORTED_SCOPES, RegisteredClient, find_client
from idp.oauth.errors import OAuth2Error, UnsupportedResponseTypeError, ascii_description
from idp.oauth.introspection import IntrospectionEndpoint, RevocationEndpoint
from idp.oauth.models import Grant
from idp.oauth.pkce import RequiredS256CodeChallenge
from idp.oauth.refresh_token import RefreshTokenGrant
from idp.oauth.token_exchange import TokenExchangeGrant, issue_delegated_token
from idp.oauth.tokens import create_grant, issue_access_token, issue_refresh_token
from idp.oidc.id_token import build_id_token_claims
from idp.runtime import Runtime
from keys import sign_jwt

NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class IdpAuthorizationServer(AuthorizationServer):  # type: ignore[misc]  # authlib is untyped
    def __init__(self, runtime: Runtime, session: Session) -> None:
        super().__init__(scopes_supported=list(SUPPORTED_SCOPES))
        self.runtime = runtime
        self.session = session
        self.grant_row: Grant | None = None
        self.delegated_access: DelegatedAccess | None = None  # while issuing an RFC 9396 token
        self._now: datetime | None = None
        self._clients: dict[str, RegisteredClient | None] = {}
        issuer = runtime.settings.issuer
        self.register_client_auth_method(
            "private_key_jwt", PrivateKeyJwt(issuer, issuer + "/token", runtime.store)
        )
        self.register_grant(
            AuthorizationCodeGrant, [RequiredS256CodeChallenge(), IdTokenExtension()]
        )
        self.register_grant(RefreshTokenGrant, [IdTokenExtension()])
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(TokenExchangeGrant)
        self.register_endpoint(IntrospectionEndpoint)
        self.register_endpoint(RevocationEndpoint)

    def get_consent_grant(self, request: Any = None, end_user: Any = None) -> Any:
        """authlib's version minus its repeated-parameter check, which runs before the
        redirect URI is proven and so can only show a page; ours
        (`check_oidc_parameters`) runs after, so the error reaches the portal."""
        request.user = end_user
        try:
            grant = self.get_authorization_grant(request)
            grant.validate_consent_request()
        except OAuth2Error as error:
            error.state = request.payload.state
            raise
        return grant

    def get_authorization_grant(self, request: Any) -> Any:
        """Only `code` is supported; the refusal quotes the request safely (RFC 6749 4.1.2.1)."""
        response_type = request.payload.response_type
        if response_type == "code":
            return super().get_authorization_grant(request)
        redirect_uri = None
        client = self.query_client(request.payload.client_id)
        if client is not None and client.check_redirect_uri(request.payload.redirect_uri or ""):
            redirect_uri = request.payload.redirect_uri
        raise UnsupportedResponseTypeError(
            "only response_type=code is supported",
            ascii_description(response_type or "(missing)"),
            redirect_uri=redirect_uri,
        )

    def now(self) -> datetime:
        if self._now is None:
            self._now = self.runtime.clock.now()
        return self._now

    def query_client(self, client_id: str) -> RegisteredClient | None:
        if not isinstance(client_id, str):
            return None
        if client_id not in self._clients:
            self._clients[client_id] = find_client(self.session, client_id)
        return self._clients[client_id]

    def subject_of(self, account_id: str) -> str | None:
        account = self.session.get(Account, account_id)
        return account.subject if account else None

    def start_grant(self, request: Any, **fields: Any) -> Grant:
        self.grant_row = create_grant(self.session, now=self.now(), **fields)
        return self.grant_row

    def generate_token(
        self,
        grant_type: str,
        client: RegisteredClient,
        user: Account | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        grant = self.grant_row
        if grant is None:
            raise RuntimeError("a token was asked for before its grant was recorded")
        scope = scope or ""
        if self.delegated_access is not None:
            # RFC 9396 through the browser: the token acts for the applicant, no refresh token.
            token_value, issued = issue_delegated_token(
                self, client.client_id, self.delegated_access, grant.id
            )
            return {
                "access_token": token_value,
                "token_type": "Bearer",
                "expires_in": issued["exp"] - issued["iat"],
                "scope": scope,
                "authorization_details": self.delegated_access.to_claims(),
            }
        extra: dict[str, Any] = {}
        if user is not None and grant.auth_time is not None:
            extra = {"auth_time": int(grant.auth_time.timestamp()), "acr": grant.acr}
        access_token, claims = issue_access_token(
            self.session,
            self.runtime.keyring,
            self.runtime.token_policy,
            client_id=client.client_id,
            subject=user.subject if user is not None else client.client_id,
            scope=scope,
            grant_id=grant.id,
            now=self.now(),
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
                self.session,
                self.runtime.token_policy,
                grant_id=grant.id,
                client_id=client.client_id,
                scope=scope,
                now=self.now(),
            )
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Nothing to save: `generate_token` recorded the grant and the refresh token."""

    def create_oauth2_request(self, request: Any) -> Any:
        return request

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal receivers yet; the audit log (issue 4) will listen here."""

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        header_map = dict(headers)
        location = header_map.pop("Location", None)
        if location is not None:
            return RedirectResponse(location, status_code=302, headers=NO_STORE_HEADERS)
        header_map.pop("Content-Type", None)
        header_map.update(NO_STORE_HEADERS)
        content = (
            body
            if isinstance(body, dict)
            else dict(body)
            if isinstance(body, list)
            else json.loads(body or "{}")
        )
        if "error_description" in content:
            content["error_description"] = ascii_description(str(content["error_description"]))
        return JSONResponse(content, status_code=status, headers=header_map)


class IdTokenExtension:
    """Adds the ID token to token responses of `openid` grants (OIDC Core 3.1.3.3, 12.2)."""

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_create_token_response", self.add_id_token)

    def add_id_token(self, grant: Any, response: Any) -> None:
        _, token, _ = response
        server: IdpAuthorizationServer = grant.server
        row = server.grant_row
        if row is None or "openid" not in token.get("scope", "").split():
            return
        client: RegisteredClient = grant.request.client
        account: Account = grant.request.user
        alg = client.id_token_signed_response_alg or server.runtime.settings.id_token_default_alg
        code = getattr(grant.request, "authorization_code", None)
        claims = build_id_token_claims(
            issuer=server.runtime.settings.issuer,
            account=account,
            subject=account.subject,
            client_id=client.client_id,
            scope=token["scope"],
            now=int(server.now().timestamp()),
            ttl_seconds=server.runtime.settings.id_token_ttl_seconds,
            auth_time=int(row.auth_time.timestamp()) if row.auth_time else 0,
            acr=row.acr or "",
            amr=list(row.amr),
            sid=row.sid or "",
            access_token=token.get("access_token"),
            alg=alg,
            nonce=code.nonce if code is not None else None,
        )
        key = server.runtime.keyring.signing_key(server.session, alg)
        token["id_token"] = sign_jwt(key, claims, typ="JWT")


def build_server(runtime: Runtime, session: Session) -> IdpAuthorizationServer:
    return IdpAuthorizationServer(runtime, session)
