"""Delegation events received from the provider (RFC 8417 SETs pushed per RFC 8935).

A real portal would act on them (stop showing a representative the file, end their
delegated sessions); the sample keeps the last `MAX_EVENTS` in memory and shows them.
The same SET delivered twice (the provider retries until we answer 202) is kept once,
by its `jti`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_EVENTS = 200


@dataclass(frozen=True, slots=True)
class ReceivedEvent:
    jti: str
    event_type: str  # the URI naming the event, e.g. .../delegation.revoked
    payload: dict[str, Any]  # delegation_id, principal, actor, applications, status, actions
    issued_at: datetime

    @property
    def short_type(self) -> str:
        return self.event_type.rsplit("/", 1)[-1]


class ReceivedEvents:
    def __init__(self) -> None:
        self._events: deque[ReceivedEvent] = deque(maxlen=MAX_EVENTS)

    def add(self, claims: dict[str, Any]) -> bool:
        """Keep the events of a verified SET; False if this `jti` was already received."""
        if any(e.jti == claims["jti"] for e in self._events):
            return False
        issued_at = datetime.fromtimestamp(int(claims["iat"]), tz=UTC)
        for event_type, payload in claims["events"].items():
            self._events.appendleft(
                ReceivedEvent(
                    claims["jti"],
                    event_type,
                    payload if isinstance(payload, dict) else {},
                    issued_at,
                )
            )
        return True

    def latest(self) -> list[ReceivedEvent]:
        return list(self._events)
