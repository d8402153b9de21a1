"""Pushed Authorization Requests (RFC 9126).

`POST /par` (section 2): the client authenticates as at the token endpoint (a public
client names itself with `client_id`); its parameters, or those of its signed `request`
object (section 3, RFC 9101), pass the checks /authorize makes before anyone signs in
(client, exact `redirect_uri`, PKCE S256, OIDC parameters), and are kept in the shared
store for `PUSHED_REQUEST_TTL_SECONDS` under a fresh `urn:ietf:params:oauth:request_uri:`
reference, answered 201 `{"request_uri", "expires_in"}` (section 2.2). Errors are JSON
(section 2.3); `request_uri` itself may not be pushed (section 2.1).

At /authorize (section 4) the reference is redeemed once (atomic `pop`: two replicas
never both use it), only with the `client_id` that pushed it and no other parameter;
unknown, expired and used references are `invalid_request_uri`. Only references issued
here are accepted: any other `request_uri` is `request_uri_not_supported` (RFC 9101
section 7), which is why discovery says `request_uri_parameter_supported: false` beside
the PAR endpoint (section 5: a PAR reference is usable whatever that value). A client
registered with `require_pushed_authorization_requests` may use nothing else (section 6).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from adapters import EphemeralStore
from idp.clients.registration import AUTH_METHODS
from idp.clients.service import RegisteredClient
from idp.http.params import Params
from idp.oauth.authorization_details import parse_authorization_details
from idp.oauth.errors import (
    InvalidRequestError,
    InvalidRequestUriError,
    OAuth2Error,
    RequestUriNotSupportedError,
)
from idp.oauth.request_objects import read_request_object
from idp.oauth.requests import OAuthRequest
from idp.oauth.tokens import digest_token

if TYPE_CHECKING:
    from idp.oauth.server import IdpAuthorizationServer

PAR_PATH = "/par"
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
PUSHED_REQUEST_TTL_SECONDS = 60
PUSHED_REQUEST_KEY = "par:"
# Section 3: beside `request`, only what client authentication needs may be in the body.
CLIENT_AUTH_PARAMETERS = frozenset(
    {"client_id", "client_secret", "client_assertion", "client_assertion_type"}
)


@dataclass(frozen=True, slots=True)
class PushedRequest:
    request_uri: str
    expires_in: int


def push_authorization_request(
    server: IdpAuthorizationServer, request: OAuthRequest
) -> PushedRequest:
    """Section 2: authenticate the client, check the request as /authorize would, keep it."""
    repeated = request.info.params.repeated()
    if repeated:
        raise InvalidRequestError(f"parameter '{repeated[0]}' is included more than once")
    if "request_uri" in request.info.params.all:
        raise InvalidRequestError("'request_uri' cannot be pushed (RFC 9126 section 2.1)")
    client: RegisteredClient = server.authenticate_client(
        request, list(AUTH_METHODS), endpoint="par"
    )
    params = _pushed_parameters(request, client, server.config.issuer)
    _check_as_authorization_request(server, request, params)
    return _keep(server.store, client.client_id, params, request.ctx.timestamp)


def _pushed_parameters(
    request: OAuthRequest, client: RegisteredClient, issuer: str
) -> dict[str, list[str]]:
    data = request.info.params.all
    named = request.info.params.get("client_id")
    if named is not None and named != client.client_id:
        raise InvalidRequestError("'client_id' is not the authenticated client")
    if "request" in data:
        outside = sorted(set(data) - CLIENT_AUTH_PARAMETERS - {"request"})
        if outside:
            raise InvalidRequestError(
                f"'{outside[0]}' must be a claim of 'request' (RFC 9126 section 3)"
            )
        token = data["request"][0]
        return read_request_object(token, client, issuer, request.ctx.timestamp)
    params = {k: v for k, v in data.items() if k not in CLIENT_AUTH_PARAMETERS}
    params["client_id"] = [client.client_id]
    return params


def _check_as_authorization_request(
    server: IdpAuthorizationServer, request: OAuthRequest, params: dict[str, list[str]]
) -> None:
    """The checks of /authorize that need no signed-in person (section 2.1)."""
    pushed = OAuthRequest(replace(request.info, params=Params(params)), request.ctx)
    try:
        server.get_consent_grant(pushed, end_user=None)
        if "authorization_details" in params:
            parse_authorization_details(params["authorization_details"][0])
    except OAuth2Error as error:
        error.redirect_uri = None  # section 2.3: the error goes back in this response
        error.state = None
        raise


def _keep(
    store: EphemeralStore, client_id: str, params: dict[str, list[str]], now: int
) -> PushedRequest:
    request_uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
    record = {
        "client_id": client_id,
        "params": params,
        "expires_at": now + PUSHED_REQUEST_TTL_SECONDS,
    }
    key = PUSHED_REQUEST_KEY + digest_token(request_uri)
    store.set(key, json.dumps(record).encode(), PUSHED_REQUEST_TTL_SECONDS)
    return PushedRequest(request_uri, PUSHED_REQUEST_TTL_SECONDS)


def redeem_request_uri(store: EphemeralStore, params: Params, now: int) -> dict[str, list[str]]:
    """Section 4: the pushed parameters, once, for the client that pushed them."""
    request_uri = params.text("request_uri")
    if not request_uri.startswith(REQUEST_URI_PREFIX):
        raise RequestUriNotSupportedError("only 'request_uri' values issued by /par are accepted")
    client_id = params.get("client_id")
    if client_id is None:
        raise InvalidRequestError("'client_id' is required with 'request_uri'")
    outside = sorted(set(params.all) - {"request_uri", "client_id"})
    if outside:
        raise InvalidRequestError(f"'{outside[0]}' cannot accompany 'request_uri'")
    raw = store.pop(PUSHED_REQUEST_KEY + digest_token(request_uri))
    if raw is None:
        raise InvalidRequestUriError("'request_uri' is unknown, expired or already used")
    record = json.loads(raw)
    if record["expires_at"] <= now:
        raise InvalidRequestUriError("'request_uri' has expired")
    if record["client_id"] != client_id:
        raise InvalidRequestUriError("'request_uri' was pushed by another client")
    pushed: dict[str, list[str]] = record["params"]
    return pushed
