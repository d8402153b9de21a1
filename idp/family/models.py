"""The table linking an account invitation to the appointment waiting for it.

An applicant invites a family member who has no account yet and appoints them designated
individual in the same step. A delegation names its actor by `sub`, which the invitee does
not have until they accept the invitation: the terms wait here, and become a delegation
(`pending_acceptance`) when the invitation is accepted. `status`: `invited` (waiting for
the account), `appointed` (the delegation exists: `delegation_id`), `cancelled` (the
applicant withdrew it first; inviting the person again makes it `invited`, with the terms
asked last) or `lapsed` (its terms no longer held at acceptance). One row per invitation:
an invitation issued again keeps its row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class FamilyInvitation(Base):
    __tablename__ = "idp_family_invitations"
    __table_args__ = (Index("ix_idp_family_invitations_principal", "principal_subject"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(String(32), unique=True)  # idp_invitations.id
    principal_subject: Mapped[str] = mapped_column(String(64))
    actions: Mapped[list[str]] = mapped_column(JSON)
    application_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    portal_client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    delegation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
