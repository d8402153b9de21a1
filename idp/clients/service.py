"""Registered clients (portals): registration rules, lookup, and the view authlib reads.

Redirect URIs are compared exactly, character for character (RFC 9700 section 4.1.3; OIDC
Core 3.1.2.1): no wildcards, no prefix or path matching, no normalisation. They must be
absolute, fragment-free, and https unless they point at a loopback host (RFC 8252
section 7.3). Secrets are 256-bit random values shown once and kept as SHA-256 digests,
compared in constant time. A client gets `public` or `pairwise` subject identifiers
(OpenID Connect Core §8); a pairwise client's sector is fixed at registration.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.clients.models import Client
from idp.errors import Conflict, InvalidInput

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


def digest_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    """A client as authlib sees it (ClientMixin), built from its row."""

    client_id: str
    name: str
    secret_digest: str | None
    token_endpoint_auth_method: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scope: str
    first_party: bool
    jwks: dict[str, Any] | None
    id_token_signed_response_alg: str | None
    backchannel_logout_uri: str | None
    events_uri: str | None = None
    profile_slug: str | None = None
    subject_type: str = SUBJECT_PUBLIC
    sector_identifier: str | None = None
    frontchannel_logout_uri: str | None = None
    frontchannel_logout_session_required: bool = False
    require_pushed_authorization_requests: bool = False

    @classmethod
    def from_row(cls, row: Client) -> RegisteredClient:
        return cls(
            client_id=row.client_id,
            name=row.name,
            secret_digest=row.secret_digest,
            token_endpoint_auth_method=row.token_endpoint_auth_method,
            redirect_uris=tuple(row.redirect_uris),
            post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
            grant_types=tuple(row.grant_types),
            scope=row.scope,
            first_party=row.first_party,
            jwks=row.jwks,
            id_token_signed_response_alg=row.id_token_signed_response_alg,
            backchannel_logout_uri=row.backchannel_logout_uri,
            events_uri=row.events_uri,
            profile_slug=row.profile_slug,
            subject_type=row.subject_type,
            sector_identifier=row.sector_identifier,
            frontchannel_logout_uri=row.frontchannel_logout_uri,
            frontchannel_logout_session_required=row.frontchannel_logout_session_required,
            require_pushed_authorization_requests=row.require_pushed_authorization_requests,
        )

    @property
    def is_pairwise(self) -> bool:
        """OpenID Connect Core §8.1: its `sub` values are its sector's own."""
        return self.subject_type == SUBJECT_PAIRWISE and self.sector_identifier is not None

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"  # noqa: S105  # a method name

    # authlib ClientMixin ------------------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None  # OIDC Core 3.1.2.1: redirect_uri is REQUIRED; never guess one

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_digest is None:
            return False
        return hmac.compare_digest(self.secret_digest, digest_secret(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types

    def public_keys(self) -> KeySet:
        return KeySet.import_key_set(self.jwks or {"keys": []})  # type: ignore[arg-type]


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


def _check_list(values: Sequence[str], field: str) -> list[str]:
    if len(values) > MAX_URIS:
        raise InvalidInput(field, f"at most {MAX_URIS} values for {field}", limit=MAX_URIS)
    return [validate_redirect_uri(v, field) for v in values]


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            "name", f"name must be 1 to {MAX_NAME_LENGTH} characters", limit=MAX_NAME_LENGTH
        )
    return name


def _check_grants(
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
        if len(hosts) != 1:
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
    _check_grants(grant_types, auth_method, settings.redirect_uris)
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
        redirect_uris=tuple(_check_list(settings.redirect_uris, "redirect_uri")),
        post_logout_redirect_uris=tuple(
            _check_list(settings.post_logout_redirect_uris, "post_logout_redirect_uri")
        ),
        grant_types=tuple(dict.fromkeys(grant_types)),
        sector_identifier=_check_sector(settings),
    )


def needs_secret(auth_method: str) -> bool:
    return auth_method not in ("none", "private_key_jwt")


def create_client(
    session: Session,
    *,
    name: str,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str] = (),
    grant_types: Sequence[str] = ("authorization_code", "refresh_token"),
    auth_method: str = "client_secret_basic",
    first_party: bool = False,
    jwks: dict[str, Any] | None = None,
    scope: str = DEFAULT_SCOPE,
    id_token_signed_response_alg: str | None = None,
    backchannel_logout_uri: str | None = None,
    events_uri: str | None = None,
    subject_type: str = SUBJECT_PUBLIC,
    sector_identifier: str | None = None,
    frontchannel_logout_uri: str | None = None,
    frontchannel_logout_session_required: bool = False,
    require_pushed_authorization_requests: bool = False,
    now: datetime,
) -> tuple[RegisteredClient, str | None]:
    """Register a client; return it with its secret (shown once) or None for public ones.

    `jwks` (public keys) is required for `private_key_jwt` and verifies the client's
    signed request objects (RFC 9101) whatever its authentication method.
    """
    settings = ClientSettings(
        name=name,
        redirect_uris=tuple(redirect_uris),
        post_logout_redirect_uris=tuple(post_logout_redirect_uris),
        grant_types=tuple(grant_types),
        token_endpoint_auth_method=auth_method,
        scope=scope,
        first_party=first_party,
        backchannel_logout_uri=backchannel_logout_uri,
        events_uri=events_uri,
        subject_type=subject_type,
        sector_identifier=sector_identifier,
        frontchannel_logout_uri=frontchannel_logout_uri or None,
        frontchannel_logout_session_required=frontchannel_logout_session_required,
        require_pushed_authorization_requests=require_pushed_authorization_requests,
    )
    return register_client(
        session,
        settings,
        jwks=jwks,
        id_token_signed_response_alg=id_token_signed_response_alg,
        now=now,
    )


def register_client(
    session: Session,
    settings: ClientSettings,
    *,
    now: datetime,
    profile_slug: str | None = None,
    jwks: dict[str, Any] | None = None,
    id_token_signed_response_alg: str | None = None,
) -> tuple[RegisteredClient, str | None]:
    """Check and register `settings`; return the client and its secret (shown once)."""
    settings = check_client_settings(
        settings, jwks=jwks, id_token_signed_response_alg=id_token_signed_response_alg
    )
    if session.scalar(select(Client.client_id).where(Client.name == settings.name)):
        raise Conflict(f"a client named {settings.name!r} already exists", code="client_name_taken")
    secret = (
        secrets.token_urlsafe(32) if needs_secret(settings.token_endpoint_auth_method) else None
    )
    row = Client(
        client_id=secrets.token_urlsafe(18),
        secret_digest=digest_secret(secret) if secret else None,
        jwks=jwks,
        id_token_signed_response_alg=id_token_signed_response_alg,
        profile_slug=profile_slug,
        created_at=now,
        **settings_columns(settings),
    )
    session.add(row)
    session.flush()
    return RegisteredClient.from_row(row), secret


def settings_columns(settings: ClientSettings) -> dict[str, Any]:
    """The settings as column values (lists where the table stores JSON arrays)."""
    return {
        f.name: list(value) if isinstance(value := getattr(settings, f.name), tuple) else value
        for f in fields(ClientSettings)
    }


def find_client(session: Session, client_id: str) -> RegisteredClient | None:
    if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
        return None
    row = session.get(Client, client_id)
    return RegisteredClient.from_row(row) if row else None


def find_profile_client(session: Session, slug: str) -> RegisteredClient | None:
    """The client `idp portals sync` registered for the portal profile `slug`, if any."""
    row = session.scalar(select(Client).where(Client.profile_slug == slug))
    return RegisteredClient.from_row(row) if row else None


def list_clients(session: Session) -> list[RegisteredClient]:
    rows = session.scalars(select(Client).order_by(Client.created_at, Client.name))
    return [RegisteredClient.from_row(r) for r in rows]


def rotate_client_secret(session: Session, client_id: str) -> str:
    """Give a confidential client a new secret (shown once); the old one stops working."""
    row = session.get(Client, client_id)
    if row is None or row.token_endpoint_auth_method in ("none", "private_key_jwt"):
        raise InvalidInput("client_id", f"no client with a secret has the id {client_id!r}")
    secret = secrets.token_urlsafe(32)
    row.secret_digest = digest_secret(secret)
    session.flush()
    return secret


def update_client_uris(
    session: Session,
    client_id: str,
    *,
    redirect_uris: Sequence[str],
    post_logout_redirect_uris: Sequence[str],
    backchannel_logout_uri: str | None,
    events_uri: str | None,
) -> RegisteredClient:
    """Replace where a client is reached, checked as at registration."""
    row = session.get(Client, client_id)
    if row is None:
        raise InvalidInput("client_id", f"no client has the id {client_id!r}")
    _check_grants(row.grant_types, row.token_endpoint_auth_method, redirect_uris)
    row.redirect_uris = _check_list(redirect_uris, "redirect_uri")
    row.post_logout_redirect_uris = _check_list(
        post_logout_redirect_uris, "post_logout_redirect_uri"
    )
    for value, field in (
        (backchannel_logout_uri, "backchannel_logout_uri"),
        (events_uri, "events_uri"),
    ):
        if value:
            validate_redirect_uri(value, field)
    row.backchannel_logout_uri, row.events_uri = backchannel_logout_uri, events_uri
    session.flush()
    return RegisteredClient.from_row(row)
