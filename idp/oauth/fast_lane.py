"""The machine endpoints' fast lane: token answers that need nothing but this process's memory.

A portal asking for its own token (client credentials) or introspecting a live access
token asks the same question many times a second, and the answer is already known here:
the client, its service grant and the signing keys are remembered for a few seconds
(`ClientDirectory`, `ServiceGrants`, `Keyring`), and an access token read alive stays
known alive until the next revocation (`idp.oauth.liveness`). For those requests, and
only those, this pure-ASGI layer answers on the event loop without a thread hop, a
session or a query: it reads the small form body, and gives the very answer the endpoint
would give (same claims, same JSON, same headers).

Everything else goes on, body intact, to the routes in `idp.oauth.routes`, which hold
every rule and every error: any parameter besides the expected ones, a repeated one,
credentials that are not plain `client_secret_basic`, `client_secret_post` or
`private_key_jwt` (or more than one of them, RFC 6749 section 2.3: a form that still
holds credentials once one method's are taken out), a wrong secret or assertion, a
client, grant or key not remembered, a scope to refuse, a refresh token, a delegated
token, a token read inactive, a generation unknown (Redis not answering in time). The lane
never fails a request: an exception in it falls through to the route.

`private_key_jwt` (RFC 7523) is answered here too, with the token endpoint's own checks
(`CheckedAssertion`); its `jti` is added to the shared store (SET NX, on the event loop)
only once the answer is made, so a request handed to the route finds it unused, and a
replay (or a store not answering) goes to the route, which refuses it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters import AsyncStore, StoreUnavailable
from idp.clients.service import RegisteredClient
from idp.clock import Clock
from idp.metrics import count_token_issued
from idp.oauth.client_auth import ASSERTION_TYPE
from idp.oauth.client_credentials import service_scope
from idp.oauth.errors import OAuth2Error
from idp.oauth.introspection import access_token_answer
from idp.oauth.server import IdpAuthorizationServer
from idp.oauth.tokens import (
    ACCESS_TOKEN_ALGS,
    ACCESS_TOKEN_TYP,
    access_token_claims,
    access_token_ids,
    looks_like_jwt,
)
from keys import InvalidToken, sign_jwt

log = logging.getLogger("idp.oauth.fast_lane")

TOKEN_PATH, INTROSPECTION_PATH = "/token", "/introspect"
FAST_LANE_PATHS = (TOKEN_PATH, INTROSPECTION_PATH)
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 4096  # a client-credentials or introspection form is far smaller
TOKEN_PARAMETERS = frozenset({"grant_type", "scope"})
INTROSPECTION_PARAMETERS = frozenset({"token", "token_type_hint"})
POST_CREDENTIALS = frozenset({"client_id", "client_secret"})
ASSERTION_PARAMETERS = frozenset({"client_assertion_type", "client_assertion", "client_id"})
JtiMemory = tuple[str, int]  # an assertion's jti: store key, seconds
Form = dict[str, str]


def parse_small_form(body: bytes, allowed: frozenset[str]) -> Form | None:
    """The form if it holds only `allowed` names, each once and non-empty; else None."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    form = dict(pairs)
    if len(form) != len(pairs) or not form.keys() <= allowed or not all(form.values()):
        return None
    return form


def _posted_credentials(form: Form | None) -> tuple[str, str] | None:
    """(client id, secret) taken out of a `client_secret_post` form, or None."""
    if form is None or "client_id" not in form or "client_secret" not in form:
        return None
    return form.pop("client_id"), form.pop("client_secret")


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(client id, secret) of plain `Basic` credentials with nothing to percent-decode."""
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id or not secret or "%" in decoded or "\x00" in decoded:
        return None
    return client_id, secret


class MachineFastLane:
    def __init__(
        self,
        app: ASGIApp,
        *,
        server: IdpAuthorizationServer,
        async_store: AsyncStore | None,
        clock: Clock,
        extra_headers: Sequence[tuple[bytes, bytes]],
    ) -> None:
        self.app = app
        self._server = server
        self._async_store = async_store  # None: private_key_jwt goes to the route
        self._clock = clock
        self._headers = [
            (b"content-type", b"application/json"),
            (b"cache-control", b"no-store"),
            (b"pragma", b"no-cache"),
            *extra_headers,
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] not in FAST_LANE_PATHS
            or scope["method"] != "POST"
        ):
            await self.app(scope, receive, send)
            return
        headers = _headers_of(scope)
        if headers is None:
            await self.app(scope, receive, send)
            return
        received: list[Message] = []
        body = await _read_small_body(receive, received)
        answer = None
        if body is not None:
            try:
                answer = await self._answer(scope["path"], body, headers)
            except Exception:  # the route answers instead, with every rule
                log.exception("fast lane failed; the endpoint answers")
        if answer is None:
            await self.app(scope, _replaying(received, receive), send)
            return
        content = json.dumps(
            answer, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*self._headers, (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content})

    async def _answer(self, path: str, body: bytes, authorization: str) -> dict[str, Any] | None:
        allowed = TOKEN_PARAMETERS if path == TOKEN_PATH else INTROSPECTION_PARAMETERS
        form = parse_small_form(body, allowed | POST_CREDENTIALS | ASSERTION_PARAMETERS)
        authenticated = self._authenticated(form, authorization) if form is not None else None
        if form is None or authenticated is None or not form.keys() <= allowed:
            return None
        client, jti = authenticated
        if path == TOKEN_PATH:
            answer = self._client_credentials(client, form)
        else:
            answer = await self._introspection(client, form)
        if answer is None or (jti is not None and not await self._remember(jti)):
            return None
        if path == TOKEN_PATH:
            count_token_issued("client_credentials")
        return answer

    def _authenticated(
        self, form: Form, authorization: str
    ) -> tuple[RegisteredClient, JtiMemory | None] | None:
        """The client the request authenticates, its credentials taken out of `form`, and
        for an assertion the `jti` to remember once answered; None: the route answers."""
        if not authorization and ("client_assertion" in form or "client_assertion_type" in form):
            return self._asserted(form)
        if authorization:
            credentials, method = basic_credentials(authorization), "client_secret_basic"
        else:
            credentials, method = _posted_credentials(form), "client_secret_post"
        if credentials is None:
            return None
        client = self._server.clients.remembered(credentials[0])
        if (
            client is None
            or client.token_endpoint_auth_method != method
            or not client.check_client_secret(credentials[1])
        ):
            return None
        return client, None

    def _asserted(self, form: Form) -> tuple[RegisteredClient, JtiMemory] | None:
        """`private_key_jwt` (RFC 7523 section 2.2) with the token endpoint's checks."""
        if self._async_store is None or form.pop("client_assertion_type", "") != ASSERTION_TYPE:
            return None
        checked = self._server.checked_assertion.client_and_jti(
            form.pop("client_assertion", ""), self._server.clients.remembered
        )
        if checked is None or form.pop("client_id", checked[0].client_id) != checked[0].client_id:
            return None
        return checked

    async def _remember(self, jti: JtiMemory) -> bool:
        """Add the assertion's `jti` to the shared store; False (the route answers, and
        refuses a replay) when it was there already or the store did not answer."""
        if self._async_store is None:
            return False
        try:
            return await self._async_store.add(jti[0], b"1", jti[1])
        except StoreUnavailable:
            return False

    def _client_credentials(self, client: RegisteredClient, form: Form) -> dict[str, Any] | None:
        """`ClientCredentialsGrant`'s answer, when its grant and key are remembered."""
        server = self._server
        if form.get("grant_type") != "client_credentials" or not client.check_grant_type(
            "client_credentials"
        ):
            return None
        asked = form.get("scope")
        if asked and not set(asked.split()) <= set(server.scopes_supported):
            return None
        try:
            scope = service_scope(client, asked)
        except OAuth2Error:
            return None
        grant = server.service_grants.remembered(client.client_id)
        policy = server.config.tokens
        key = server.keyring.signing_key_in_memory(policy.access_token_alg)
        if grant is None or key is None:
            return None
        claims = access_token_claims(
            policy,
            client_id=client.client_id,
            subject=client.client_id,
            scope=scope,
            grant_id=grant.id,
            now=self._clock.now(),
        )
        return {
            "access_token": sign_jwt(key, claims, typ=ACCESS_TOKEN_TYP),
            "token_type": "Bearer",
            "expires_in": claims["exp"] - claims["iat"],
            "scope": scope,
        }

    async def _introspection(self, client: RegisteredClient, form: Form) -> dict[str, Any] | None:
        """`IntrospectionEndpoint`'s answer for an access token known alive."""
        token = form.get("token", "")
        if form.get("token_type_hint", "access_token") != "access_token" or not looks_like_jwt(
            token
        ):
            return None
        server = self._server
        try:
            verified = server.keyring.verify_in_memory(token, ACCESS_TOKEN_ALGS)
        except InvalidToken:
            return None
        if verified is None:
            return None
        header, claims = verified
        ids = access_token_ids(header, claims, server.config.tokens, self._clock.now())
        if ids is None or "delegation_id" in claims:
            return None  # a delegation may end without a write: the route checks it
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if claims.get("client_id") != client.client_id and client.client_id not in audiences:
            return None
        generation = await server.liveness.generation.current_async()
        if not server.liveness.remembered_alive(*ids, generation):
            return None
        return {**access_token_answer(claims), "active": True}


def _headers_of(scope: Scope) -> str | None:
    """The `Authorization` value of a small form POST ("" without one: the credentials may
    be in the form), or None when the request is not a small form POST."""
    authorization = content_type = length = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value
        elif name == b"content-type":
            content_type = value
        elif name == b"content-length":
            length = value
    if content_type is None or length is None:
        return None
    media_type = content_type.split(b";", 1)[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE.encode() or not length.isdigit():
        return None
    if int(length) > MAX_BODY_BYTES:
        return None
    return bytes(authorization).decode("latin-1") if authorization is not None else ""


async def _read_small_body(receive: Receive, received: list[Message]) -> bytes | None:
    """The whole body if it is at most `MAX_BODY_BYTES`; every message read is kept in
    `received`, so the route reads the same body."""
    size = 0
    chunks = []
    while True:
        message = await receive()
        received.append(message)
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(received: list[Message], receive: Receive) -> Receive:
    pending = list(received)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
