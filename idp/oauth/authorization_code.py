"""The authorization code grant (RFC 6749 section 4.1) on authlib, with OIDC parameters.

Codes live in the ephemeral store under their SHA-256, single use (atomic `pop`). The
grant id of the tokens a code will produce is chosen when the code is issued and kept in
a tombstone after redemption, so a second redemption revokes every token issued from the
code (RFC 6749 section 4.1.2: "SHOULD revoke ... all tokens previously issued"). A
redemption whose transaction does not commit (the database went away: 503
`temporarily_unavailable`) issued nothing, so its code is put back, tombstone removed,
for the portal's retry.
"""

from __future__ import annotations

import functools
import json
import logging
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import grants

from adapters import EphemeralStore, StoreUnavailable
from consent import DelegatedAccess, DelegationKind, access_allows
from idp.accounts.models import Account
from idp.db import serialize_with_writers, undo_if_not_committed
from idp.oauth.claims_request import parse_claims_request
from idp.oauth.errors import (
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    OAuth2Error,
    UnauthorizedClientError,
)
from idp.oauth.issuance import IssuingGrant, record_grant
from idp.oauth.tokens import digest_token, new_id, revoke_grant

CODE_KEY = "code:"
USED_CODE_KEY = "code-used:"
USED_CODE_MEMORY_SECONDS = 3600
log = logging.getLogger("idp.oauth")
MAX_STATE_LENGTH = 2048
MAX_NONCE_LENGTH = 512
PROMPT_VALUES = frozenset({"none", "login", "consent", "select_account"})
SUPPORTED_RESPONSE_MODES = frozenset({"query"})


def _put_back(store: EphemeralStore, digest: str, raw: bytes, seconds_left: int) -> None:
    """The code of a redemption that did not commit: usable again, no longer used."""
    try:
        store.set(CODE_KEY + digest, raw, seconds_left)
        store.delete(USED_CODE_KEY + digest)
    except StoreUnavailable:
        log.warning("an unredeemed code could not be put back: the store did not answer")


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    """The person behind an authorization: account plus how and when they signed in."""

    account: Account
    sid: str
    auth_time: int
    acr: str
    amr: list[str]


def _delegated_record(access: DelegatedAccess) -> dict[str, Any]:
    """A `DelegatedAccess` as JSON for the code store (`_delegated_access` reads it)."""
    return {
        "delegation_id": access.delegation_id,
        "principal": access.principal,
        "actor": access.actor,
        "kind": access.kind.value,
        "authorization_details": access.to_claims(),
    }


def _delegated_access(record: dict[str, Any], client_id: str) -> DelegatedAccess:
    return DelegatedAccess.from_claims(
        record["authorization_details"],
        delegation_id=record["delegation_id"],
        principal=record["principal"],
        actor=record["actor"],
        kind=DelegationKind(record["kind"]),
        portal_client_id=client_id,
    )


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """What a code stands for; authlib reads it through the `get_*` methods."""

    client_id: str
    redirect_uri: str
    scope: str
    account_id: str
    grant_id: str
    code_challenge: str
    code_challenge_method: str
    sid: str
    auth_time: int
    acr: str
    amr: list[str] = field(default_factory=list)
    nonce: str | None = None
    expires_at: int = 0
    delegated: dict[str, Any] | None = None  # `_delegated_record`, for RFC 9396 requests
    claims: dict[str, Any] | None = None  # the `claims` parameter (OIDC Core 5.5), parsed

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str:
        return self.acr

    def get_amr(self) -> list[str]:
        return self.amr


def check_oidc_parameters(data: dict[str, str], repeated: list[str]) -> None:
    """Checks of OIDC Core 3.1.2.1 authlib does not make; each raises `invalid_request`."""
    if repeated:
        raise InvalidRequestError(f"parameter '{repeated[0]}' is included more than once")
    mode = data.get("response_mode")
    if mode is not None and mode not in SUPPORTED_RESPONSE_MODES:
        raise InvalidRequestError("'response_mode' must be query")
    if len(data.get("state", "")) > MAX_STATE_LENGTH:
        raise InvalidRequestError(f"'state' exceeds {MAX_STATE_LENGTH} characters")
    if len(data.get("nonce", "")) > MAX_NONCE_LENGTH:
        raise InvalidRequestError(f"'nonce' exceeds {MAX_NONCE_LENGTH} characters")
    prompt = data.get("prompt", "").split()
    if any(p not in PROMPT_VALUES for p in prompt):
        raise InvalidRequestError("'prompt' must be among none, login, consent, select_account")
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequestError("'prompt=none' cannot be combined with other values")
    max_age = data.get("max_age")
    if max_age is not None and (not max_age.isdigit() or len(max_age) > 9):
        raise InvalidRequestError("'max_age' must be a non-negative integer of seconds")
    parse_claims_request(data.get("claims"))


class AuthorizationCodeGrant(IssuingGrant, grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [  # noqa: RUF012  # authlib's class attribute
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    ]

    # authorization endpoint -----------------------------------------------------------

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: Any) -> str:
        """Exact match against the registered list; never echo the URI back (it may be hostile)."""
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise InvalidRequestError("missing 'redirect_uri'")
        if not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("'redirect_uri' is not registered for this client")
        return str(redirect_uri)

    def validate_authorization_request(self) -> str:
        """RFC 6749 4.1.1 as authlib's, reading the client through the request's context;
        then the OIDC checks, whose errors reach the portal once its redirect is proven."""
        request = self.request
        client = request.ctx.find_client(request.payload.client_id)
        if client is None:
            raise InvalidClientError("the client does not exist on this server")
        redirect_uri = self.validate_authorization_redirect_uri(request, client)
        request.client = client
        try:
            if not client.check_response_type(request.payload.response_type):
                raise UnauthorizedClientError("the client may not use response_type=code")
            self.validate_requested_scope()
            request.scope = client.get_allowed_scope(request.payload.scope)
            self.execute_hook("after_validate_authorization_request_payload", redirect_uri)
            check_oidc_parameters(request.payload.data, request.info.params.repeated())
        except OAuth2Error as error:
            error.redirect_uri = redirect_uri
            raise
        return redirect_uri

    def generate_authorization_code(self) -> str:
        return secrets.token_urlsafe(32)

    def save_authorization_code(self, code: str, request: Any) -> None:
        user: AuthenticatedUser = request.user
        data = request.payload.data
        ctx = request.ctx
        ttl = self.server.config.auth_code_ttl_seconds
        issued = IssuedCode(
            client_id=request.client.client_id,
            redirect_uri=data["redirect_uri"],
            scope=request.scope or "",
            account_id=user.account.id,
            grant_id=new_id(),
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            sid=user.sid,
            auth_time=user.auth_time,
            acr=user.acr,
            amr=user.amr,
            nonce=data.get("nonce"),
            expires_at=ctx.timestamp + ttl,
            delegated=_delegated_record(ctx.delegated) if ctx.delegated else None,
            claims=parse_claims_request(data.get("claims")),
        )
        self.server.store.set(
            CODE_KEY + digest_token(code), json.dumps(asdict(issued)).encode(), ttl
        )

    # token endpoint -------------------------------------------------------------------

    def validate_token_request(self) -> None:
        """authlib's, but a missing `redirect_uri` lacks a required parameter (RFC 6749
        section 4.1.3: REQUIRED when the authorization request had one, as every one here
        must), so `invalid_request` naming it, not authlib's `invalid_grant`."""
        if not self.request.payload.redirect_uri:
            raise InvalidRequestError("missing 'redirect_uri'")
        super().validate_token_request()

    def query_authorization_code(self, code: str, client: Any) -> IssuedCode | None:
        store, ctx = self.server.store, self.request.ctx
        digest = digest_token(code)
        raw = store.pop(CODE_KEY + digest)
        if raw is None:
            used_by = store.get(USED_CODE_KEY + digest)
            if used_by is not None:
                revoke_grant(ctx.db, used_by.decode(), "code_reuse", ctx.now)
                raise InvalidGrantError("'code' was already used; its tokens are revoked")
            return None
        issued = IssuedCode(**json.loads(raw))
        store.set(USED_CODE_KEY + digest, issued.grant_id.encode(), USED_CODE_MEMORY_SECONDS)
        if issued.client_id != client.client_id:
            raise InvalidGrantError("'code' was issued to another client")
        if issued.expires_at <= ctx.timestamp:
            raise InvalidGrantError("'code' has expired")
        seconds_left = issued.expires_at - ctx.timestamp
        undo_if_not_committed(
            ctx.db, functools.partial(_put_back, store, digest, raw, seconds_left)
        )
        return issued

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing to do: `query_authorization_code` already took it out of the store."""

    def authenticate_user(self, authorization_code: IssuedCode) -> Account | None:
        account: Account | None = self.request.ctx.db.get(Account, authorization_code.account_id)
        if account is None or not account.is_active:
            return None
        return account

    def create_token_response(self) -> Any:
        issued: IssuedCode = self.request.authorization_code
        ctx = self.request.ctx
        if issued.delegated is not None:
            access = _delegated_access(issued.delegated, issued.client_id)
            serialize_with_writers(ctx.db)
            if not access_allows(ctx.db, access.delegation_id, ctx.now, access.grants, lock=True):
                raise InvalidGrantError("the delegation behind this code no longer allows it")
            ctx.delegated = access
        record_grant(
            ctx,
            client_id=issued.client_id,
            account_id=issued.account_id,
            scope=issued.scope,
            sid=issued.sid,
            auth_time=datetime.fromtimestamp(issued.auth_time, tz=UTC),
            acr=issued.acr,
            amr=issued.amr,
            grant_id=issued.grant_id,
            claims_request=issued.claims,
        )
        return super().create_token_response()
