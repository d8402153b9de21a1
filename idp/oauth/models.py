"""Tables of the OAuth core: grants, consents, refresh tokens, revocations.

A *grant* is one authorization of a client by an account (or by itself, for client
credentials): every access and refresh token carries its id, so revoking the grant (code
reuse, refresh-token reuse, sign-out) kills the whole family at once (RFC 6749 section
10.5, RFC 9700 section 4.14). Access tokens are self-contained JWTs (RFC 9068); only their
early revocations are stored, until they would have expired anyway. Refresh tokens and
client secrets are stored as SHA-256 digests: both are 256-bit random values, so a fast
digest is safe and keeps the token endpoint fast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class Grant(Base):
    __tablename__ = "idp_grants"
    __table_args__ = (Index("ix_idp_grants_account_client", "account_id", "client_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    scope: Mapped[str] = mapped_column(Text)
    sid: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    auth_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acr: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amr: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The `claims` request parameter (OIDC Core 5.5) of the authorization, for its ID
    # tokens and userinfo answers.
    claims_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Consent(Base):
    """Scopes an account approved for a client: remembered so the question is asked once."""

    __tablename__ = "idp_consents"

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RefreshToken(Base):
    __tablename__ = "idp_refresh_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(String(32), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RevokedAccessToken(Base):
    """An access token revoked before its expiry (RFC 7009); pruned once it has expired."""

    __tablename__ = "idp_revoked_access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
