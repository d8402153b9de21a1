"""Delivering outbox messages: claim the next one of a destination, sign, post, record.

Order per destination: only a destination's head (its oldest waiting message, in
`(created_at, id)` order) is ever claimed, and only when due and not leased, so a message
is never sent before an earlier one to the same destination has been delivered or has
died. A claim is a conditional update (`leased_until` in the past or empty), so two
dispatchers, in one process or several replicas, never send one message at once; a
dispatcher that dies mid-send leaves a lease that expires after `LEASE_SECONDS`, and the
message is sent again (at least once; the stable `jti` lets portals de-duplicate).

Each delivery must be over within `DELIVERY_DEADLINE_SECONDS` (`idp.outbox.deadline`),
however slowly the portal answers, so it ends well before its lease does.

A 2xx answer delivers. Anything else (an error status, a refused connection, a timeout)
is logged with the destination and the reason, and retried after 5 s × 2^(attempts-1),
capped at an hour; after `MAX_ATTEMPTS` the message is a dead letter, logged as an error
and listed by `idp outbox dead-letters`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from idp.db import unit_of_work
from idp.metrics import OUTBOX_ATTEMPTS
from idp.outbox.deadline import delivery_deadline
from idp.outbox.models import OutboxMessage
from keys import Keyring, sign_jwt

log = logging.getLogger("idp.outbox")
BASE_BACKOFF_SECONDS = 5
MAX_BACKOFF_SECONDS = 3600
MAX_ATTEMPTS = 15
DELIVERY_TIMEOUT_SECONDS = 5  # each connect, read or write
DELIVERY_DEADLINE_SECONDS = 20  # the whole exchange
LEASE_SECONDS = 60  # well beyond one delivery's deadline


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed message, ready to post (its token signed now)."""

    id: str
    kind: str
    url: str
    destination: str
    content_type: str
    body: str
    attempts: int
    event_id: str | None


def backoff_seconds(attempts: int) -> int:
    return int(min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * 2 ** max(0, attempts - 1)))


def _heads(
    db: Session, now: datetime, limit: int, only: str | None, busy: frozenset[str]
) -> list[str]:
    """Ids of the destinations' first waiting messages that are due and free."""
    destination = func.coalesce(OutboxMessage.destination, OutboxMessage.url)
    position = func.row_number().over(
        partition_by=destination, order_by=(OutboxMessage.created_at, OutboxMessage.id)
    )
    waiting = select(
        OutboxMessage.id,
        destination.label("destination"),
        OutboxMessage.next_attempt_at,
        OutboxMessage.leased_until,
        position.label("position"),
    ).where(OutboxMessage.delivered_at.is_(None), OutboxMessage.dead_at.is_(None))
    if only is not None:
        waiting = waiting.where(destination == only)
    ranked = waiting.subquery()
    query = select(ranked.c.id).where(
        ranked.c.position == 1,
        ranked.c.next_attempt_at <= now,
        or_(ranked.c.leased_until.is_(None), ranked.c.leased_until <= now),
    )
    if busy:
        query = query.where(ranked.c.destination.not_in(busy))
    return list(db.scalars(query.order_by(ranked.c.next_attempt_at).limit(limit)))


def _lease(db: Session, message_id: str, now: datetime) -> bool:
    result = db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.dead_at.is_(None),
            or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until <= now),
        )
        .values(leased_until=now + timedelta(seconds=LEASE_SECONDS))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE


def body_at_delivery(db: Session, keyring: Keyring, message: OutboxMessage, now: datetime) -> str:
    """The stored body, or the stored claims signed now (`iat`, and `exp` when it has one)."""
    if message.claims is None or message.alg is None:
        return message.body
    claims: dict[str, Any] = json.loads(message.claims)
    claims["iat"] = int(now.timestamp())
    if message.token_ttl_seconds is not None:
        claims["exp"] = claims["iat"] + message.token_ttl_seconds
    token = sign_jwt(keyring.signing_key(db, message.alg), claims, typ=message.token_type)
    return urlencode({message.form_field: token}) if message.form_field else token


def claim(
    factory: sessionmaker[Session],
    keyring: Keyring,
    now: datetime,
    *,
    limit: int,
    only: str | None = None,
    busy: frozenset[str] = frozenset(),
) -> list[Delivery]:
    """Lease up to `limit` heads (of `only` one destination, or of any not `busy`)."""
    claimed = []
    with unit_of_work(factory) as db:
        for message_id in _heads(db, now, limit, only, busy):
            if not _lease(db, message_id, now):
                continue  # another dispatcher took it first
            message = db.get_one(OutboxMessage, message_id)
            claimed.append(
                Delivery(
                    id=message.id,
                    kind=message.kind,
                    url=message.url,
                    destination=message.destination or message.url,
                    content_type=message.content_type,
                    body=body_at_delivery(db, keyring, message, now),
                    attempts=message.attempts,
                    event_id=message.event_id,
                )
            )
    return claimed


def post(
    http: httpx.Client, delivery: Delivery, deadline_seconds: float = DELIVERY_DEADLINE_SECONDS
) -> str | None:
    """Send one message; None when the portal accepted it, else the reason it failed.
    `http` is a `deadline_client`, so the whole exchange ends within `deadline_seconds`."""
    try:
        with delivery_deadline(deadline_seconds):
            response = http.post(
                delivery.url,
                content=delivery.body,
                headers={"Content-Type": delivery.content_type},
                timeout=DELIVERY_TIMEOUT_SECONDS,
            )
    except httpx.HTTPError as failure:
        return f"{type(failure).__name__}: {failure}"[:300]
    return None if response.is_success else f"HTTP {response.status_code}"


def record(
    factory: sessionmaker[Session], delivery: Delivery, failure: str | None, now: datetime
) -> None:
    """Write the outcome of an attempt: delivered, retry later, or dead letter."""
    attempts = delivery.attempts + 1
    with unit_of_work(factory) as db:
        message = db.get_one(OutboxMessage, delivery.id)
        message.attempts, message.leased_until = attempts, None
        if failure is None:
            message.delivered_at, message.last_error = now, None
            OUTBOX_ATTEMPTS.labels(delivery.kind, "delivered").inc()
            return
        message.last_error = failure[:500]
        if attempts >= MAX_ATTEMPTS:
            message.dead_at = now
            OUTBOX_ATTEMPTS.labels(delivery.kind, "dead_letter").inc()
            _log_attempt(logging.ERROR, "outbox dead letter", delivery, attempts, failure)
            return
        wait = backoff_seconds(attempts)
        message.next_attempt_at = now + timedelta(seconds=wait)
        OUTBOX_ATTEMPTS.labels(delivery.kind, "failed").inc()
        _log_attempt(logging.WARNING, "outbox delivery failed", delivery, attempts, failure, wait)


def _log_attempt(
    level: int,
    event: str,
    delivery: Delivery,
    attempts: int,
    reason: str,
    retry_in_seconds: int | None = None,
) -> None:
    log.log(
        level,
        "%s: %s to %s, attempt %d of %d: %s",
        event,
        delivery.kind,
        delivery.destination,
        attempts,
        MAX_ATTEMPTS,
        reason,
        extra={
            "message_id": delivery.id,
            "event_id": delivery.event_id,
            "destination": delivery.destination,
            "kind": delivery.kind,
            "attempt": attempts,
            "reason": reason,
            "retry_in_seconds": retry_in_seconds,
        },
    )
