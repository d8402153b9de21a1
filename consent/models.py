"""Tables of the consent domain (prefix `consent_`): applications, delegations, actor
suspensions, the audit log.

People appear by their public subject identifier (`sub`), portals by client id: links to
other packages are identifiers, never foreign keys (DESIGN.md section 3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from keys import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata


class Application(Base):
    """An application a portal holds for an applicant (registered through the portal API)."""

    __tablename__ = "consent_applications"
    __table_args__ = (UniqueConstraint("portal_client_id", "portal_reference"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    portal_client_id: Mapped[str] = mapped_column(String(64))
    portal_reference: Mapped[str] = mapped_column(String(64))
    program: Mapped[str] = mapped_column(String(100))
    applicant_subject: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(64))
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    deep_link: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delegation(Base):
    __tablename__ = "consent_delegations"
    __table_args__ = (
        Index(
            "ix_consent_delegations_actor_principal_status",
            "actor_subject",
            "principal_subject",
            "status",
        ),
        Index("ix_consent_delegations_principal_status", "principal_subject", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    principal_subject: Mapped[str] = mapped_column(String(64))
    actor_subject: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    portal_client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    all_applications: Mapped[bool] = mapped_column(default=False)
    actions: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(24))
    created_by: Mapped[str] = mapped_column(String(64))
    created_via: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The status a suspension stopped (requested, pending_acceptance or active), restored
    # by reinstatement; None when the delegation is not suspended.
    suspended_from: Mapped[str | None] = mapped_column(String(24), nullable=True)


class ActorSuspension(Base):
    """An actor (representative) suspended by an officer: one row while it lasts."""

    __tablename__ = "consent_actor_suspensions"

    actor_subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    suspended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    suspended_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))


class DelegationApplication(Base):
    """The applications a delegation covers (when it is not 'all at a portal')."""

    __tablename__ = "consent_delegation_applications"

    delegation_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class AuditEntry(Base):
    """One line of the hash-chained audit log (`hash` = SHA-256 of `prev_hash` + content)."""

    __tablename__ = "consent_audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(48))
    principal_subject: Mapped[str] = mapped_column(String(64), index=True)
    delegation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    application_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")


class AuditHead(Base):
    """The chain's head, locked by each append so concurrent writers cannot fork it."""

    __tablename__ = "consent_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
