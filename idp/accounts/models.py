"""Tables of people's accounts (`idp_accounts`).

`subject` is the stable, public OIDC `sub`: random, never reused, never changed (account
conversion keeps it so no portal link breaks). Email is stored normalised (lower-cased) and
unique; it identifies a person at sign-in but is never a join key for linking accounts.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class AccountStatus(StrEnum):
    """Where an account stands: in use, or made for someone (conversion) and waiting for
    them to claim it. Only an active account signs in, gets tokens or is acted for."""

    ACTIVE = "active"
    UNCLAIMED = "unclaimed"


class Role(StrEnum):
    """What an account may do beyond its own affairs (`Account.roles`)."""

    OFFICER = "officer"
    REPRESENTATIVE = "representative"


class Account(Base):
    __tablename__ = "idp_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE

    def has_role(self, role: Role) -> bool:
        return role in (self.roles or [])


# Not accepted, not superseded, not one to claim an unclaimed identity (those are made
# afresh each time): the invitation an inviter issues again when asked again.
INVITATION_IN_FORCE = "accepted_at IS NULL AND account_id IS NULL AND superseded_at IS NULL"


class Invitation(Base):
    """An officer's invitation (as the PR portal does): single use, expiring, by email."""

    __tablename__ = "idp_invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    account_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # When a newer invitation of the same inviter for the same email replaced this one
    # (it had expired, or it was a duplicate made before asking again reused the open one).
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    # One invitation in force per inviter and email (the one asking again issues again):
    # two requests at the same instant cannot both add one. The CLI's (no inviter) has its
    # own index, NULLs being distinct in a unique index.
    __table_args__ = (
        Index(
            "uq_idp_invitations_in_force_by_inviter",
            "email",
            "invited_by",
            unique=True,
            postgresql_where=text(f"invited_by IS NOT NULL AND {INVITATION_IN_FORCE}"),
            sqlite_where=text(f"invited_by IS NOT NULL AND {INVITATION_IN_FORCE}"),
        ),
        Index(
            "uq_idp_invitations_in_force_by_operator",
            "email",
            unique=True,
            postgresql_where=text(f"invited_by IS NULL AND {INVITATION_IN_FORCE}"),
            sqlite_where=text(f"invited_by IS NULL AND {INVITATION_IN_FORCE}"),
        ),
    )
