"""Registered clients (portals): registration, lookup, and the view authlib reads.

The rules a client's settings must meet are in `idp.clients.registration`. Secrets are
256-bit random values shown once and kept as SHA-256 digests, compared in constant time.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.clients.models import Client
from idp.clients.native_apps import (
    APPLICATION_NATIVE,
    APPLICATION_WEB,
    form_action_scheme,
    is_loopback_redirect_match,
)
from idp.clients.registration import (
    DEFAULT_SCOPE,
    MAX_CLIENT_ID_LENGTH,
    SUBJECT_PAIRWISE,
    SUBJECT_PUBLIC,
    ClientSettings,
    check_client_settings,
    check_grants,
    check_redirect_uris,
    needs_secret,
    settings_columns,
    validate_redirect_uri,
)
from idp.errors import Conflict, InvalidInput


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
    application_type: str = APPLICATION_WEB

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
            application_type=row.application_type,
        )

    @property
    def is_pairwise(self) -> bool:
        """OpenID Connect Core §8.1: its `sub` values are its sector's own."""
        return self.subject_type == SUBJECT_PAIRWISE and self.sector_identifier is not None

    @property
    def is_native(self) -> bool:
        return self.application_type == APPLICATION_NATIVE

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
        """Exact match; for a native client a loopback URI may also name another port
        (RFC 8252 §7.3, `idp.clients.native_apps`)."""
        return self._matches(redirect_uri, self.redirect_uris)

    def check_post_logout_redirect_uri(self, redirect_uri: str) -> bool:
        """RP-Initiated Logout 1.0 §3, with RFC 8252's loopback rule for a native client."""
        return self._matches(redirect_uri, self.post_logout_redirect_uris)

    def _matches(self, requested: str, registered: tuple[str, ...]) -> bool:
        if requested in registered:
            return True
        return self.is_native and any(is_loopback_redirect_match(r, requested) for r in registered)

    def form_action_schemes(
        self, redirect_uri: str | None, *, logout: bool = False
    ) -> tuple[str, ...]:
        """The CSP `form-action` sources (`scheme:`) a page needs when its form may end in a
        redirect to `redirect_uri`: one only for a private-use URI this native client
        registered (among its post-logout redirect URIs with `logout`), else none."""
        registered = self.post_logout_redirect_uris if logout else self.redirect_uris
        if not redirect_uri or not self.is_native or redirect_uri not in registered:
            return ()
        scheme = form_action_scheme(redirect_uri)
        return (scheme,) if scheme else ()

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
        return _key_set(json.dumps(self.jwks or {"keys": []}, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _key_set(jwks: str) -> KeySet:
    """A JWKS imported once, not at every signed assertion or request object (an import is
    ~44 µs; the key set is only read afterwards, so threads may share it)."""
    return KeySet.import_key_set(json.loads(jwks))


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
    application_type: str = APPLICATION_WEB,
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
        application_type=application_type,
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
    check_grants(row.grant_types, row.token_endpoint_auth_method, redirect_uris)
    row.redirect_uris = check_redirect_uris(redirect_uris, row.application_type)
    row.post_logout_redirect_uris = check_redirect_uris(
        post_logout_redirect_uris, row.application_type, "post_logout_redirect_uri"
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
