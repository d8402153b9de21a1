"""authlib's authorization server, built once per process and shared by every request.

The server holds only what never changes between requests: its configuration, the
keyring, the shared store (codes, assertion `jti`s), the registered grants and endpoints,
and the per-process memories every request reads through (clients, service grants,
access tokens read alive). Everything that belongs to one request (its database session,
its time, the grant being recorded) travels on the `OAuthRequest` as `request.ctx`, so concurrent
requests in the thread pool never share state. authlib calls `authenticate_client` and
the grants' hooks with the request; we never let it call `query_client` without one.

Grant extensions that belong to OpenID Connect (the ID token) are given by the caller
(`create_app` wires `idp.oidc`), so OAuth does not import OIDC.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer
from authlib.oauth2.rfc6749.authenticate_client import ClientAuthentication
from starlette.responses import JSONResponse, RedirectResponse, Response

from adapters import EphemeralStore
from idp.clients.cache import ClientDirectory
from idp.clients.registration import SUPPORTED_SCOPES
from idp.oauth.authorization_code import AuthorizationCodeGrant
from idp.oauth.client_auth import (
    FAILED_AUTHENTICATION,
    CheckedAssertion,
    PrivateKeyJwt,
    one_auth_method,
)
from idp.oauth.client_credentials import ClientCredentialsGrant, ServiceGrants
from idp.oauth.errors import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnsupportedResponseTypeError,
    ascii_description,
)
from idp.oauth.introspection import IntrospectionEndpoint, RevocationEndpoint
from idp.oauth.liveness import TokenLiveness
from idp.oauth.par import PAR_PATH
from idp.oauth.pkce import RequiredS256CodeChallenge
from idp.oauth.refresh_token import RefreshTokenGrant
from idp.oauth.token_exchange import TokenExchangeGrant
from idp.oauth.tokens import TokenPolicy
from idp.subjects.service import SubjectIdentifiers
from keys import Keyring

log = logging.getLogger("idp.oauth.server")

NO_STORE_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache"}
GrantExtension = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class ServerConfig:
    issuer: str
    tokens: TokenPolicy
    auth_code_ttl_seconds: int
    id_token_ttl_seconds: int
    id_token_default_alg: str
    interaction_ttl_seconds: int


class IdpAuthorizationServer(AuthorizationServer):  # type: ignore[misc]  # authlib is untyped
    def __init__(
        self,
        config: ServerConfig,
        keyring: Keyring,
        store: EphemeralStore,
        subjects: SubjectIdentifiers,
        liveness: TokenLiveness,
        token_extensions: Sequence[GrantExtension] = (),
    ) -> None:
        super().__init__(scopes_supported=list(SUPPORTED_SCOPES))
        self.config = config
        self.keyring = keyring
        self.store = store
        self.subjects = subjects  # the `sub` each client receives (OIDC Core §8)
        self.clients = ClientDirectory()  # shared: every request reads clients through it
        self.service_grants = ServiceGrants()
        self.liveness = liveness  # access tokens read alive, until the next revocation
        token_url, par_url = config.issuer + "/token", config.issuer + PAR_PATH
        self._private_key_jwt = {
            "token": PrivateKeyJwt(config.issuer, [token_url], store),
            # RFC 9126 section 2: an assertion at /par may name the issuer, /token or /par.
            "par": PrivateKeyJwt(config.issuer, [token_url, par_url], store),
        }
        # The token endpoint's checks for the fast lane, which remembers the `jti` itself.
        self.checked_assertion = CheckedAssertion(config.issuer, [token_url], store)
        extensions = list(token_extensions)
        self.register_grant(AuthorizationCodeGrant, [RequiredS256CodeChallenge(), *extensions])
        self.register_grant(RefreshTokenGrant, extensions)
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(TokenExchangeGrant)
        self.register_endpoint(IntrospectionEndpoint)
        self.register_endpoint(RevocationEndpoint)

    def authenticate_client(self, request: Any, methods: list[str], endpoint: str = "token") -> Any:
        """authlib's client authentication, reading clients through this request's context,
        trying only the method the request presents (RFC 6749 section 2.3); any failure is
        one answer, whoever the client (`client_auth.FAILED_AUTHENTICATION`)."""
        allowed = one_auth_method(request, methods)
        authentication = ClientAuthentication(request.ctx.find_client)
        assertion = self._private_key_jwt.get(endpoint, self._private_key_jwt["token"])
        authentication.register("private_key_jwt", assertion)
        try:
            return authentication(request, allowed, endpoint)
        except InvalidClientError as error:
            log.info("client authentication failed at %s: %s", endpoint, error.description)
            raise InvalidClientError(FAILED_AUTHENTICATION, status_code=401) from None

    def query_client(self, client_id: str) -> Any:
        raise RuntimeError("clients are read through the request's context, never globally")

    def validate_requested_scope(self, scope: str | None) -> None:
        """authlib's check that every requested scope is supported, its `invalid_scope`
        naming the first that is not (authlib's names none)."""
        unsupported = [s for s in (scope or "").split() if s not in SUPPORTED_SCOPES]
        if unsupported:
            raise InvalidScopeError(
                ascii_description(f"'scope' value '{unsupported[0][:64]}' is not supported")
            )

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
        """Only `code` is supported (RFC 6749 section 4.1.2.1): another `response_type` is
        `unsupported_response_type` quoting it safely, a missing one `invalid_request`."""
        response_type = request.payload.response_type
        if response_type == "code":
            return super().get_authorization_grant(request)
        redirect_uri = None
        client = request.ctx.find_client(request.payload.client_id)
        if client is not None and client.check_redirect_uri(request.payload.redirect_uri or ""):
            redirect_uri = request.payload.redirect_uri
        if not response_type:
            raise InvalidRequestError("missing 'response_type'", redirect_uri=redirect_uri)
        raise UnsupportedResponseTypeError(
            response_type,
            ascii_description(f"response_type '{response_type}' is not supported; use 'code'"),
            redirect_uri=redirect_uri,
        )

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Nothing to save: issuing recorded the grant and the refresh token."""

    def create_oauth2_request(self, request: Any) -> Any:
        return request

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal receivers: the audit log is written by the operations themselves."""

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
