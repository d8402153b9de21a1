"""Queueing and delivering outbox messages, with retries and exponential backoff.

`enqueue` writes a row in the caller's transaction. `deliver_due` posts the messages whose
time has come; rows are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several
replicas can run it without sending a message twice. A 2xx answer delivers; anything else
(an error status, a refused connection, a timeout) schedules a retry after
5 s × 2^attempts, capped at an hour, until `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from idp.outbox.models import OutboxMessage

BASE_BACKOFF_SECONDS = 5
MAX_BACKOFF_SECONDS = 3600
MAX_ATTEMPTS = 15
DELIVERY_TIMEOUT_SECONDS = 5
BATCH_SIZE = 50


def enqueue(
    db: Session, *, kind: str, url: str, content_type: str, body: str, now: datetime
) -> OutboxMessage:
    message = OutboxMessage(
        id=uuid.uuid4().hex,
        kind=kind,
        url=url,
        content_type=content_type,
        body=body,
        created_at=now,
        attempts=0,
        next_attempt_at=now,
    )
    db.add(message)
    db.flush()
    return message


def backoff_seconds(attempts: int) -> int:
    return int(min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


def deliver_due(factory: sessionmaker[Session], http: httpx.Client, now: datetime) -> int:
    """Deliver what is due; return how many were delivered."""
    delivered = 0
    with factory() as db, db.begin():
        due = db.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.next_attempt_at <= now,
                OutboxMessage.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutboxMessage.next_attempt_at)
            .limit(BATCH_SIZE)
            .with_for_update(skip_locked=True)
        ).all()
        for message in due:
            message.attempts += 1
            try:
                response = http.post(
                    message.url,
                    content=message.body,
                    headers={"Content-Type": message.content_type},
                    timeout=DELIVERY_TIMEOUT_SECONDS,
                )
                ok, error = response.is_success, f"HTTP {response.status_code}"
            except httpx.HTTPError as failure:
                ok, error = False, type(failure).__name__
            if ok:
                message.delivered_at = now
                message.last_error = None
                delivered += 1
            else:
                message.last_error = error[:500]
                message.next_attempt_at = now + timedelta(seconds=backoff_seconds(message.attempts))
    return delivered
