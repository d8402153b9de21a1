"""Applications a portal reported for an email address, waiting for the person to confirm.

A portal that knows only the email its applicant signed in with must not learn whether
that email has an account, nor its `sub`: the application waits here until the person
confirms it is theirs (then it joins the registry under their `sub`) or says it is not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class ApplicationClaim(Base):
    __tablename__ = "idp_application_claims"
    __table_args__ = (
        Index("ix_idp_application_claims_email_status", "email", "status"),
        Index("ix_idp_application_claims_portal_number", "portal_client_id", "application_number"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    portal_client_id: Mapped[str] = mapped_column(String(64))
    application_number: Mapped[str] = mapped_column(String(64))
    program: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | declined
    application_status: Mapped[str] = mapped_column(String(64))
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    deep_link: Mapped[str] = mapped_column(String(2000), default="")
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
