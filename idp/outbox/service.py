"""Queueing outbox messages, and what operators see of them (figures, dead letters, replay).

`enqueue` writes a ready body; `enqueue_token` writes the claims of a JWT that the
dispatcher signs at each delivery (`idp.outbox.delivery`), with `iat` (and `exp`, when the
token has a lifetime) counted from then: a logout token delivered an hour late is still
valid when it arrives. Both write in the caller's transaction and flush, never commit.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from idp.errors import NotFound
from idp.outbox.models import OutboxMessage

_sequence = itertools.count()


@dataclass(frozen=True, slots=True)
class TokenEnvelope:
    """How stored claims become the posted body: a JWT of type `typ`, alone (`form_field`
    None) or as one form field, with `exp` = delivery time + `ttl_seconds` when set."""

    typ: str
    content_type: str
    form_field: str | None = None
    ttl_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxFigures:
    waiting: int
    oldest_waiting_seconds: float
    dead_letters: int


def destination_of(url: str) -> str:
    """The origin a message goes to: deliveries to one origin are made one at a time."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _message_id(now: datetime) -> str:
    """32 characters that sort by queueing time, then by order within this process."""
    micros = int(now.timestamp() * 1_000_000)
    return f"{micros:015x}{next(_sequence) % 16**9:09x}{os.getpid() % 16**4:04x}" + (
        secrets.token_hex(2)
    )


def _new_message(db: Session, now: datetime, **fields: Any) -> OutboxMessage:
    message = OutboxMessage(
        id=_message_id(now),
        destination=destination_of(fields["url"]),
        created_at=now,
        attempts=0,
        next_attempt_at=now,
        **fields,
    )
    db.add(message)
    db.flush()
    return message


def enqueue(
    db: Session, *, kind: str, url: str, content_type: str, body: str, now: datetime
) -> OutboxMessage:
    return _new_message(db, now, kind=kind, url=url, content_type=content_type, body=body)


def enqueue_token(
    db: Session,
    *,
    kind: str,
    url: str,
    claims: dict[str, Any],
    alg: str,
    envelope: TokenEnvelope,
    now: datetime,
) -> OutboxMessage:
    """Queue a JWT to sign at delivery; its `jti` (made here) is the stable event id."""
    event_id = secrets.token_urlsafe(16)
    return _new_message(
        db,
        now,
        kind=kind,
        url=url,
        content_type=envelope.content_type,
        body="",
        claims=json.dumps({**claims, "jti": event_id}),
        alg=alg,
        token_type=envelope.typ,
        token_ttl_seconds=envelope.ttl_seconds,
        form_field=envelope.form_field,
        event_id=event_id,
    )


def outbox_figures(db: Session, now: datetime) -> OutboxFigures:
    waiting = OutboxMessage.delivered_at.is_(None) & OutboxMessage.dead_at.is_(None)
    count, oldest = db.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(waiting)
    ).one()
    dead = db.scalar(select(func.count()).where(OutboxMessage.dead_at.is_not(None))) or 0
    age = 0.0
    if oldest is not None:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        age = max(0.0, (now - oldest).total_seconds())
    return OutboxFigures(waiting=int(count), oldest_waiting_seconds=age, dead_letters=int(dead))


def dead_letters(db: Session, limit: int = 500) -> list[OutboxMessage]:
    """Messages that ran out of attempts, oldest first."""
    return list(
        db.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.dead_at.is_not(None))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def replay(db: Session, message_id: str, now: datetime) -> OutboxMessage:
    """Make a dead letter wait again, with a fresh budget of attempts (same event id)."""
    message = db.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or message.dead_at is None:
        raise NotFound(f"no dead letter with id {message_id}")
    message.dead_at = None
    message.attempts = 0
    message.next_attempt_at = now
    message.leased_until = None
    db.flush()
    return message
