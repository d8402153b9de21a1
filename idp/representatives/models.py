"""The approved representative (`idp_representatives`): one row per account, kept after a
suspension (status `suspended`) so the representative ID never changes or gets reused.

`evidence` lists the identity documents the officer checked, without their numbers:
`[{"type": "passport", "issuer": "CAN", "expiry": "2031-05-01"}]` (what OpenID Connect for
Identity Assurance calls document evidence).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class Representative(Base):
    __tablename__ = "idp_representatives"
    __table_args__ = (
        Index("ix_idp_representatives_membership", "membership_body", "membership_number"),
    )

    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64), unique=True)
    representative_id: Mapped[str] = mapped_column(String(16), unique=True)
    representative_type: Mapped[str] = mapped_column(String(16))  # RepresentativeType
    legal_name: Mapped[str] = mapped_column(String(200))
    membership_body: Mapped[str | None] = mapped_column(String(32), nullable=True)
    membership_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    firm: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(32))
    address: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    enrolment_reference: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # RepresentativeStatus
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str] = mapped_column(String(64))  # an officer account id or subject
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    suspended_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # a subject
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
