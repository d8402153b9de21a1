"""Tables of representative enrolment (prefix `idp_enrolment`, `idp_filed_for`,
`idp_client_files`).

- `Enrolment`: one person's enrolment, its profile, status and `version` (every decision
  is an UPDATE guarded by the version it was made on, so two officers cannot both decide).
- `EnrolmentDocument`: the two identity documents' details; the sealed file itself is in
  `EnrolmentFile`, read only when someone opens it.
- `DocumentRead`: every opening of a file, by whom and when (shown to the owner).
- `EnrolmentEvent`: the enrolment's history, requests for information and answers included.
- `FiledFor`: an application a client account filed for someone else (name and email).
- `ClientFile`: what a conversion made of such an application (the new owner, the
  delegation, the invitation).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class Enrolment(Base):
    __tablename__ = "idp_enrolments"
    __table_args__ = (
        Index("ix_idp_enrolments_status_submitted", "status", "submitted_at"),
        Index("ix_idp_enrolments_membership", "membership_body", "membership_number"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(24))  # EnrolmentStatus
    version: Mapped[int] = mapped_column(Integer, default=1)
    conversion: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(8), default="en")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    representative_type: Mapped[str] = mapped_column(String(16), default="")
    membership_body: Mapped[str] = mapped_column(String(32), default="")
    membership_number: Mapped[str] = mapped_column(String(32), default="")
    firm: Mapped[str] = mapped_column(String(200), default="")
    street_address: Mapped[str] = mapped_column(String(200), default="")
    locality: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnrolmentDocument(Base):
    __tablename__ = "idp_enrolment_documents"
    __table_args__ = (UniqueConstraint("enrolment_id", "slot"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enrolment_id: Mapped[str] = mapped_column(String(32), index=True)
    slot: Mapped[int] = mapped_column(Integer)  # 1 or 2
    document_type: Mapped[str] = mapped_column(String(24), default="")
    document_number: Mapped[str] = mapped_column(String(32), default="")
    name_on_document: Mapped[str] = mapped_column(String(200), default="")
    issuer: Mapped[str] = mapped_column(String(100), default="")
    expiry: Mapped[date | None] = mapped_column(Date, nullable=True)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    media_type: Mapped[str] = mapped_column(String(32), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnrolmentFile(Base):
    """The sealed bytes of one document (per-document key wrapped by the master key)."""

    __tablename__ = "idp_enrolment_files"

    document_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentRead(Base):
    __tablename__ = "idp_enrolment_document_reads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(32), index=True)
    enrolment_id: Mapped[str] = mapped_column(String(32), index=True)
    reader_account_id: Mapped[str] = mapped_column(String(32))
    reader_role: Mapped[str] = mapped_column(String(16))  # owner | officer
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnrolmentEvent(Base):
    __tablename__ = "idp_enrolment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    enrolment_id: Mapped[str] = mapped_column(String(32), index=True)
    event: Mapped[str] = mapped_column(String(32))
    by_account_id: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class FiledFor(Base):
    """A client account says it filed this application for another person."""

    __tablename__ = "idp_filed_for"

    application_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_email: Mapped[str] = mapped_column(String(254))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClientFile(Base):
    """An application a conversion handed to its real applicant, the filer keeping access."""

    __tablename__ = "idp_client_files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    enrolment_id: Mapped[str] = mapped_column(String(32), index=True)
    representative_account_id: Mapped[str] = mapped_column(String(32), index=True)
    application_id: Mapped[str] = mapped_column(String(32), unique=True)
    applicant_subject: Mapped[str] = mapped_column(String(64))
    applicant_email: Mapped[str] = mapped_column(String(254), index=True)
    delegation_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))  # invited | awaiting_confirmation | claimed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
