"""What a portal may register: the rules every client's settings are checked against.

Redirect URIs are compared exactly, character for character (RFC 9700 section 4.1.3; OIDC
Core 3.1.2.1): no wildcards, no prefix or path matching, no normalisation. They must be
absolute, fragment-free, and https unless they point at a loopback host (RFC 8252
section 7.3); a `native` client's redirect and post-logout redirect URIs follow RFC 8252
(`idp.clients.native_apps`): private-use schemes are theirs alone, and their loopback IP
URIs alone may name another port at the time of the request. A client gets
`public` or `pairwise` subject identifiers (OpenID Connect Core §8); a pairwise client's
sector is fixed at registration. `check_client_settings` returns the settings as they will
be stored, or `InvalidInput` naming the field at fault.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from idp.clients.native_apps import (
    APPLICATION_NATIVE,
    APPLICATION_WEB,
    check_application_type,
    check_native_redirect_uri,
    check_private_use_redirect_uri,
    uri_scheme,
)
from idp.errors import InvalidInput

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105  # a URN
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", TOKEN_EXCHANGE)
SUPPORTED_SCOPES = (
    "openid",
    "profile",
    "email",
    "offline_access",
    "applications:write",
    "delegations:read",
    "representative",  # an approved representative's contact details (idp.oidc.claims)
)
DEFAULT_SCOPE = "openid profile email offline_access"
ID_TOKEN_ALGS = ("RS256", "ES256", "EdDSA")
MAX_NAME_LENGTH = 200
MAX_URI_LENGTH = 2000
MAX_URIS = 20
MAX_CLIENT_ID_LENGTH = 64
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
SUBJECT_PUBLIC = "public"
SUBJECT_PAIRWISE = "pairwise"
SUBJECT_TYPES = (SUBJECT_PUBLIC, SUBJECT_PAIRWISE)
MAX_SECTOR_LENGTH = 253
SECTOR_PATTERN = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?")


def validate_redirect_uri(uri: str, field: str) -> str:
    if len(uri) > MAX_URI_LENGTH:
        raise InvalidInput(
            field, f"{field} exceeds {MAX_URI_LENGTH} characters", limit=MAX_URI_LENGTH
        )
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput(field, f"{field} must be an absolute http(s) URI: {uri!r}")
    if parts.fragment or "#" in uri:
        raise InvalidInput(field, f"{field} must not contain a fragment: {uri!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise InvalidInput(field, f"{field} must use https unless on a loopback host: {uri!r}")
    return uri


def check_redirect_uris(
    values: Sequence[str], application_type: str, field: str = "redirect_uri"
) -> list[str]:
    """A client's redirect (or post-logout redirect) URIs: the web rules, and RFC 8252's for
    a native client, which alone may name a private-use scheme (section 7.1)."""
    native = check_application_type(application_type) == APPLICATION_NATIVE
    if len(values) > MAX_URIS:
        raise InvalidInput(field, f"at most {MAX_URIS} values for {field}", limit=MAX_URIS)
    return [_check_client_uri(uri, field, native=native) for uri in values]


def _check_client_uri(uri: str, field: str, *, native: bool) -> str:
    scheme = (uri_scheme(uri) or "").lower()
    if scheme not in ("http", "https"):
        if not native:
            raise InvalidInput(
                field,
                f"{field} must be an absolute http(s) URI (private-use schemes such as "
                f"com.example.app:/callback are for application_type native): {uri!r}",
            )
        if len(uri) > MAX_URI_LENGTH:
            raise InvalidInput(
                field, f"{field} exceeds {MAX_URI_LENGTH} characters", limit=MAX_URI_LENGTH
            )
        return check_private_use_redirect_uri(uri, field)
    validate_redirect_uri(uri, field)
    if native:
        check_native_redirect_uri(uri, field)
    return uri


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            "name", f"name must be 1 to {MAX_NAME_LENGTH} characters", limit=MAX_NAME_LENGTH
        )
    return name


def check_grants(
    grant_types: Sequence[str], auth_method: str, redirect_uris: Sequence[str]
) -> None:
    if auth_method not in AUTH_METHODS:
        raise InvalidInput("auth_method", f"auth_method must be one of {', '.join(AUTH_METHODS)}")
    unknown = [g for g in grant_types if g not in GRANT_TYPES]
    if unknown or not grant_types:
        raise InvalidInput("grant_type", f"grant_type must be among {', '.join(GRANT_TYPES)}")
    if auth_method == "none" and "client_credentials" in grant_types:
        raise InvalidInput("grant_type", "a public client cannot use client_credentials")
    if "authorization_code" in grant_types and not redirect_uris:
        raise InvalidInput("redirect_uri", "authorization_code needs at least one redirect_uri")


def _check_jwks(jwks: dict[str, Any] | None) -> None:
    if not jwks:
        raise InvalidInput("jwks", "jwks must list the client's public keys")
    try:
        KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError):
        raise InvalidInput("jwks", "jwks is not a valid JSON Web Key Set") from None
    if any("d" in k for k in jwks.get("keys", [])):
        raise InvalidInput("jwks", "jwks must hold public keys only")


def _check_frontchannel_logout_uri(uri: str | None, redirect_uris: Sequence[str]) -> None:
    """Front-Channel Logout 1.0 section 2: scheme, host and port of a redirect URI."""
    if not uri:
        return
    validate_redirect_uri(uri, "frontchannel_logout_uri")
    origin = origin_of(uri)
    if not origin or origin not in {origin_of(r) for r in redirect_uris}:
        raise InvalidInput(
            "frontchannel_logout_uri",
            "frontchannel_logout_uri must share scheme, host and port with a redirect_uri",
        )


def origin_of(uri: str) -> str:
    """`scheme://host[:port]` of an absolute URI, lowercase (the origin a CSP source names)."""
    parts = urlsplit(uri)
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return ""  # not a port number: no origin
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}".lower() if host else ""


def _check_alg_and_scope(alg: str | None, scope: str) -> None:
    if alg and alg not in ID_TOKEN_ALGS:
        raise InvalidInput(
            "id_token_signed_response_alg",
            f"id_token_signed_response_alg must be one of {', '.join(ID_TOKEN_ALGS)}",
        )
    bad_scope = [s for s in scope.split() if s not in SUPPORTED_SCOPES]
    if bad_scope:
        raise InvalidInput("scope", f"unsupported scope {bad_scope[0]!r}")


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """What a portal registers, and what `idp portals sync` keeps up to date, named as the
    `idp_clients` columns name them."""

    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    token_endpoint_auth_method: str = "client_secret_basic"  # noqa: S105  # a method name
    scope: str = DEFAULT_SCOPE
    first_party: bool = False
    backchannel_logout_uri: str | None = None
    events_uri: str | None = None
    subject_type: str = SUBJECT_PUBLIC
    sector_identifier: str | None = None
    frontchannel_logout_uri: str | None = None
    frontchannel_logout_session_required: bool = False
    require_pushed_authorization_requests: bool = False
    application_type: str = APPLICATION_WEB


def _check_sector(settings: ClientSettings) -> str | None:
    """OpenID Connect Core §8.1: pairwise subjects are computed within a sector, named by a
    host; without one, the host every redirect URI shares. Kept as registered, so the
    portal's `sub` values never change when its redirect URIs do."""
    if settings.subject_type not in SUBJECT_TYPES:
        raise InvalidInput("subject_type", f"subject_type must be {' or '.join(SUBJECT_TYPES)}")
    if settings.subject_type == SUBJECT_PUBLIC:
        if settings.sector_identifier:
            raise InvalidInput("sector_identifier", "sector_identifier needs pairwise subjects")
        return None
    sector = (settings.sector_identifier or "").strip().lower()
    if not sector:
        hosts = {urlsplit(u).hostname for u in settings.redirect_uris}
        if len(hosts) != 1 or None in hosts:  # a private-use URI has no host
            raise InvalidInput(
                "sector_identifier",
                "pairwise subjects need a sector_identifier when the redirect URIs are on "
                "several hosts (or none)",
            )
        sector = str(hosts.pop())
    if len(sector) > MAX_SECTOR_LENGTH or not SECTOR_PATTERN.fullmatch(sector):
        raise InvalidInput(
            "sector_identifier",
            f"sector_identifier must be a host name of at most {MAX_SECTOR_LENGTH} characters",
            limit=MAX_SECTOR_LENGTH,
        )
    return sector


def check_client_settings(
    settings: ClientSettings,
    *,
    jwks: dict[str, Any] | None = None,
    id_token_signed_response_alg: str | None = None,
) -> ClientSettings:
    """The settings as they will be stored, or `InvalidInput` naming the field at fault."""
    auth_method, grant_types = settings.token_endpoint_auth_method, settings.grant_types
    check_grants(grant_types, auth_method, settings.redirect_uris)
    if auth_method == "private_key_jwt" or jwks is not None:
        _check_jwks(jwks)
    _check_alg_and_scope(id_token_signed_response_alg, settings.scope)
    _check_frontchannel_logout_uri(settings.frontchannel_logout_uri, settings.redirect_uris)
    for uri, field in (
        (settings.backchannel_logout_uri, "backchannel_logout_uri"),
        (settings.events_uri, "events_uri"),
    ):
        if uri:
            validate_redirect_uri(uri, field)
    return replace(
        settings,
        name=_check_name(settings.name),
        redirect_uris=tuple(check_redirect_uris(settings.redirect_uris, settings.application_type)),
        post_logout_redirect_uris=tuple(
            check_redirect_uris(
                settings.post_logout_redirect_uris,
                settings.application_type,
                "post_logout_redirect_uri",
            )
        ),
        grant_types=tuple(dict.fromkeys(grant_types)),
        sector_identifier=_check_sector(settings),
    )


def needs_secret(auth_method: str) -> bool:
    return auth_method not in ("none", "private_key_jwt")


def settings_columns(settings: ClientSettings) -> dict[str, Any]:
    """The settings as column values (lists where the table stores JSON arrays)."""
    return {
        f.name: list(value) if isinstance(value := getattr(settings, f.name), tuple) else value
        for f in fields(ClientSettings)
    }
