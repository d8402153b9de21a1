"""Idempotency records of the portal API (the IETF `Idempotency-Key` header draft).

A retried request with the same key and the same body gets the first answer again; the
same key with another body is refused. Records are kept `IDEMPOTENCY_TTL_HOURS`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class IdempotencyRecord(Base):
    __tablename__ = "idp_idempotency_keys"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
