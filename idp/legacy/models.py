"""The staging table of accounts exported from legacy portals (`idp_legacy_accounts`).

Imported rows are not accounts: nobody signs in with them. One row per legacy portal and
username (re-importing updates it), holding what the export said (email, name, the legacy
password hash when the format has one, application numbers) until a person proves it is
theirs and links it to their Passerelle identity (`linked_account_id`, `linked_by`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class LegacyAccount(Base):
    __tablename__ = "idp_legacy_accounts"
    __table_args__ = (
        UniqueConstraint("legacy_portal", "username"),
        Index("ix_idp_legacy_accounts_email", "email"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    legacy_portal: Mapped[str] = mapped_column(String(64))  # the portal profile's slug
    username: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # [{"number", "program", "status"}], registered at `portal_client_id` once linked
    applications: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    portal_client_id: Mapped[str] = mapped_column(String(64))
    source_line: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    linked_account_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    linked_by: Mapped[str | None] = mapped_column(
        String(16), nullable=True
    )  # password | email_code
