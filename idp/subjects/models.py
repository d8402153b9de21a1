"""The pairwise subjects handed out, per sector (`idp_pairwise_subjects`).

A pairwise value is a keyed hash: it cannot be turned back into an account without
trying every account. The row written the first time a value leaves for a sector is
the way back when a portal sends it to us (the portal API, token exchange, userinfo).
"""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base


class PairwiseSubject(Base):
    __tablename__ = "idp_pairwise_subjects"
    __table_args__ = (UniqueConstraint("sector", "subject"),)

    sector: Mapped[str] = mapped_column(String(253), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    subject: Mapped[str] = mapped_column(String(64))
