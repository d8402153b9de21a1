"""The durable outbox: every message to a portal is a row first, sent after commit.

Rows share the transaction of the change they announce (a session ended, a delegation
revoked), so nothing is announced that did not happen and nothing that happened goes
unannounced. A token (logout token, Security Event Token) is stored as its claims and
signing algorithm and signed by the dispatcher at each delivery, so its `iat`/`exp`
count from the moment it is sent; its `jti` (`event_id`) stays the same across attempts
and replays, for portals to de-duplicate. `destination` (the URL's origin) orders the
deliveries: one at a time per destination, in `(created_at, id)` order.

A row is waiting (neither `delivered_at` nor `dead_at`), leased by a dispatcher while it
is being sent (`leased_until`), delivered, or dead (out of attempts; `idp outbox replay`
makes it wait again).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp.schema import Base, UTCDateTime


class OutboxMessage(Base):
    __tablename__ = "idp_outbox_messages"
    __table_args__ = (Index("ix_idp_outbox_messages_destination", "destination", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(2000))
    destination: Mapped[str | None] = mapped_column(String(300), nullable=True)
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    claims: Mapped[str | None] = mapped_column(Text, nullable=True)
    alg: Mapped[str | None] = mapped_column(String(16), nullable=True)
    token_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    token_ttl_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    form_field: Mapped[str | None] = mapped_column(String(32), nullable=True)
    event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
