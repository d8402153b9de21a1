"""Client authentication: one method per request (RFC 6749 section 2.3), and
`private_key_jwt` (RFC 7523 section 2.2, OIDC Core section 9).

"The client MUST NOT use more than one authentication method in each request": a request
presenting two (Basic credentials, a `client_secret` in the body, a `client_assertion`) is
`invalid_request` naming both, and only the method presented is tried, so failed Basic
credentials are `invalid_client` (401) even when the body would name a public client; a
body `client_id` beside Basic credentials must name the same client (`one_auth_method`).

Every failed authentication is one answer, `invalid_client` with `FAILED_AUTHENTICATION`
(401 and the Basic challenge, `routes.client_auth_challenge`): an unknown client, a wrong
secret, a bad assertion or a method the client is not registered for read alike, so the
answer never tells who is registered (RFC 6749 section 5.2); the log keeps the reason.

The assertion is signed by a key of the client's registered JWKS; its `aud` must be our
token endpoint or issuer; it may not live longer than `MAX_ASSERTION_LIFETIME_SECONDS`
(an `exp` a year ahead is refused: its `jti` could not be remembered that long); its `jti`
is remembered in the shared store until the assertion expires, so a replay is refused on
every replica.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError

from adapters import EphemeralStore
from idp.oauth.errors import InvalidClientError, InvalidRequestError

ASSERTION_TYPE = JWTBearerClientAssertion.CLIENT_ASSERTION_TYPE
# Asymmetric only: a JWKS could hold an `oct` key, and a shared secret is not a signature.
ASSERTION_ALGS = ["RS256", "ES256", "EdDSA"]
MAX_ASSERTION_LIFETIME_SECONDS = 600
MAX_JTI_LENGTH = 256
LEEWAY_SECONDS = 30
BASIC_AUTH_METHOD = "client_secret_basic"
POSTED_AUTH_METHOD = "client_secret_post"
ASSERTION_AUTH_METHOD = "private_key_jwt"
FAILED_AUTHENTICATION = "client authentication failed"


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]  # authlib is untyped
    CLIENT_AUTH_METHOD = ASSERTION_AUTH_METHOD

    def __init__(self, issuer: str, endpoint_urls: list[str], store: EphemeralStore) -> None:
        super().__init__(validate_jti=True, leeway=LEEWAY_SECONDS)
        self._audiences = [*endpoint_urls, issuer]
        self._store = store

    def get_audiences(self) -> list[str]:
        return list(self._audiences)

    def validate_jti(self, claims: Any, jti: str) -> bool:
        memory = jti_memory(claims, jti)
        return memory is not None and self._store.add(memory[0], b"1", memory[1])

    def resolve_client_public_key(self, client: Any) -> Any:
        return client.public_keys()

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> Any:
        """authlib's, with the algorithms discovery advertises (authlib's default is
        joserfc's "recommended" list, which has HS256 and lacks EdDSA)."""
        try:
            token = jwt.decode(assertion, resolve_key, algorithms=ASSERTION_ALGS)
        except JoseError as error:
            raise InvalidClientError(description=error.description) from error
        self.verify_claims(token.claims)
        return token.claims


def jti_memory(claims: Any, jti: Any) -> tuple[str, int] | None:
    """Where and how long an assertion's `jti` is remembered (store key, seconds); None for
    a `jti` that cannot be: not a short string, or an assertion living too long."""
    if not isinstance(jti, str) or len(jti) > MAX_JTI_LENGTH:
        return None
    exp = claims.get("exp")
    remaining = exp - time.time() if isinstance(exp, int | float) else None
    if remaining is None or remaining > MAX_ASSERTION_LIFETIME_SECONDS + LEEWAY_SECONDS:
        return None  # a long-lived assertion would outlive the memory of its jti
    return f"client-assertion:{claims['sub']}:{jti}", int(remaining) + LEEWAY_SECONDS + 1


class CheckedAssertion(PrivateKeyJwt):
    """`PrivateKeyJwt`'s checks, its `jti` remembered by the caller: the fast lane, which
    adds it to the store on the event loop once the request is sure to be answered (a
    request it hands to the route must find the `jti` unused)."""

    def validate_jti(self, claims: Any, jti: str) -> bool:
        return jti_memory(claims, jti) is not None

    def client_and_jti(
        self, assertion: str, remembered: Callable[[str], Any]
    ) -> tuple[Any, tuple[str, int]] | None:
        """The remembered client `assertion` authenticates and its `jti`'s memory; None
        when the route must answer (a client not remembered, an assertion refused)."""
        try:
            _headers, unverified = self.extract_assertion(assertion)
            subject = unverified.get("sub")
            client = remembered(subject) if isinstance(subject, str) else None
            if client is None or client.token_endpoint_auth_method != self.CLIENT_AUTH_METHOD:
                return None
            claims = self.process_assertion_claims(assertion, client.public_keys())
        except (InvalidClientError, JoseError, ValueError):
            return None
        memory = jti_memory(claims, claims.get("jti"))
        return None if memory is None else (client, memory)


def has_readable_basic_credentials(header: str | None) -> bool:
    """False for `Basic` credentials that are not base64 of UTF-8 `id:secret` (RFC 7617)."""
    if not header or not header.lower().startswith("basic "):
        return True
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return ":" in decoded and "\x00" not in decoded


def presented_auth_methods(request: Any) -> list[str]:
    """The client authentication methods `request` presents, by their RFC 7591 names (the
    `none` method presents no credentials)."""
    authorization = request.headers.get("Authorization") or ""
    form = request.form
    presented = []
    if authorization.split(" ", 1)[0].lower() == "basic":
        presented.append(BASIC_AUTH_METHOD)
    if form.get("client_secret"):
        presented.append(POSTED_AUTH_METHOD)
    if form.get("client_assertion") or form.get("client_assertion_type"):
        presented.append(ASSERTION_AUTH_METHOD)
    return presented


def one_auth_method(request: Any, methods: list[str]) -> list[str]:
    """Which of the endpoint's `methods` may authenticate `request`: the one it presents
    (all of them when it presents none, for `none`). RFC 6749 section 2.3: two methods
    are `invalid_request`, as is a body `client_id` naming another client than Basic."""
    presented = presented_auth_methods(request)
    if len(presented) > 1:
        raise InvalidRequestError(
            "the request uses more than one client authentication method: "
            f"{presented[0]} and {presented[1]}"
        )
    if not presented:
        return methods
    if presented == [BASIC_AUTH_METHOD]:
        basic_client_id, _ = extract_basic_authorization(request.headers)
        named = request.form.get("client_id")
        if named is not None and named != basic_client_id:
            raise InvalidRequestError(
                "parameter 'client_id' names another client than the Basic credentials"
            )
    return [method for method in methods if method in presented]
