"""The table of registered portals (`idp_clients`).

Secrets are stored as SHA-256 digests of 256-bit random values (shown once), so a fast
digest is safe and keeps the token endpoint fast; redirect URIs are kept exactly as
registered, to be compared character for character. A client registered from a portal
profile carries the profile's slug (`idp portals sync` finds it by that, so the portal's
name can change); `subject_type` and `sector_identifier` choose its `sub` (OpenID Connect
Core §8); `application_type` (`web` or `native`, OpenID Connect Dynamic Client
Registration §2) chooses how its redirect URIs are checked and matched (RFC 8252).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class Client(Base):
    __tablename__ = "idp_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    grant_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope: Mapped[str] = mapped_column(Text)
    first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    id_token_signed_response_alg: Mapped[str | None] = mapped_column(String(16), nullable=True)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    frontchannel_logout_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    frontchannel_logout_session_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    require_pushed_authorization_requests: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    events_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    profile_slug: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    subject_type: Mapped[str] = mapped_column(String(16), default="public", server_default="public")
    application_type: Mapped[str] = mapped_column(String(16), default="web", server_default="web")
    sector_identifier: Mapped[str | None] = mapped_column(String(253), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
