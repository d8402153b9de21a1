"""Signed request objects: JWT-Secured Authorization Requests (RFC 9101; OIDC Core 6.1).

The `request` parameter is a JWS the client signed with a key of its registered JWKS
(`idp clients create --jwks`), with `alg` among `REQUEST_OBJECT_ALGS` (never `none`,
RFC 9101 section 10.2 and OIDC Core 6.1), `iss` = its client id, `aud` = our issuer
(section 10.2, so a request object meant for another server is refused), and an `exp`
at most `MAX_REQUEST_OBJECT_LIFETIME_SECONDS` ahead. Its claims become the authorization
request's parameters, in place of the outer ones: section 6.3, the server MUST use only
the parameters in the request object, so outside it only `client_id` and `request` count
(OpenID Connect clients repeat `response_type` and `scope` there; they are ignored).
A failure is `invalid_request_object` (section 6.3 and 7).
"""

from __future__ import annotations

import json
from typing import Any

from idp.clients.service import RegisteredClient
from idp.http.params import MAX_NAME_LENGTH, MAX_PARAMETER_LENGTH, MAX_PARAMETERS
from idp.oauth.errors import InvalidRequestObjectError
from keys import InvalidToken, verify_jwt

REQUEST_OBJECT_ALGS = ("RS256", "ES256", "EdDSA")
REQUEST_OBJECT_TYPES = frozenset({"oauth-authz-req+jwt", "jwt"})  # section 4, case-insensitive
MAX_REQUEST_OBJECT_LIFETIME_SECONDS = 3600
LEEWAY_SECONDS = 30
# JWT claims that say who signed the object and when; they are not authorization parameters.
JWT_CLAIMS = frozenset({"iss", "aud", "exp", "iat", "nbf", "jti", "sub"})
NESTED_REQUEST_PARAMETERS = frozenset({"request", "request_uri"})  # section 4: MUST NOT


def _verified_claims(token: str, client: RegisteredClient) -> dict[str, Any]:
    if not client.jwks or not client.jwks.get("keys"):
        raise InvalidRequestObjectError("the client registered no keys to verify 'request'")
    try:
        header, claims = verify_jwt(token, client.public_keys(), list(REQUEST_OBJECT_ALGS))
    except InvalidToken:
        raise InvalidRequestObjectError(
            "'request' is not signed by a key of the client with " + ", ".join(REQUEST_OBJECT_ALGS)
        ) from None
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in REQUEST_OBJECT_TYPES:
        raise InvalidRequestObjectError("'request' has a 'typ' other than oauth-authz-req+jwt")
    return claims


def _check_signer_and_audience(claims: dict[str, Any], client_id: str, issuer: str) -> None:
    if claims.get("iss") != client_id:
        raise InvalidRequestObjectError("'request' claim 'iss' must be the client_id")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if issuer not in audiences:
        raise InvalidRequestObjectError("'request' claim 'aud' must name this issuer")
    if "client_id" in claims and claims["client_id"] != client_id:
        raise InvalidRequestObjectError("'request' claim 'client_id' differs from 'client_id'")


def _check_time(claims: dict[str, Any], now: int) -> None:
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise InvalidRequestObjectError("'request' needs an integer 'exp' claim")
    if exp + LEEWAY_SECONDS <= now:
        raise InvalidRequestObjectError("'request' has expired")
    if exp - now > MAX_REQUEST_OBJECT_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise InvalidRequestObjectError(
            f"'request' claim 'exp' is more than {MAX_REQUEST_OBJECT_LIFETIME_SECONDS} s ahead"
        )
    if isinstance(nbf, int) and nbf - LEEWAY_SECONDS > now:
        raise InvalidRequestObjectError("'request' is not valid yet ('nbf')")


def _as_parameter(name: str, value: Any) -> str:
    """A claim as the string it would be in a query (objects and arrays as JSON)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_PARAMETER_LENGTH or "\x00" in text:
        raise InvalidRequestObjectError(
            f"'request' claim '{name}' exceeds {MAX_PARAMETER_LENGTH} characters or holds NUL"
        )
    return text


def _parameters(claims: dict[str, Any], client_id: str) -> dict[str, list[str]]:
    nested = NESTED_REQUEST_PARAMETERS & set(claims)
    if nested:
        raise InvalidRequestObjectError(f"'request' may not contain '{sorted(nested)[0]}'")
    names = [n for n in claims if n not in JWT_CLAIMS]
    if len(names) > MAX_PARAMETERS:
        raise InvalidRequestObjectError(f"'request' holds more than {MAX_PARAMETERS} parameters")
    params: dict[str, list[str]] = {}
    for name in names:
        if len(name) > MAX_NAME_LENGTH or not name.isprintable():
            raise InvalidRequestObjectError("'request' holds a malformed parameter name")
        if claims[name] is not None:
            params[name] = [_as_parameter(name, claims[name])]
    params["client_id"] = [client_id]
    return params


def read_request_object(
    token: str, client: RegisteredClient, issuer: str, now: int
) -> dict[str, list[str]]:
    """The authorization parameters a verified request object carries (RFC 9101 6.3)."""
    claims = _verified_claims(token, client)
    _check_signer_and_audience(claims, client.client_id, issuer)
    _check_time(claims, now)
    return _parameters(claims, client.client_id)
