"""Registered clients read through a short per-process cache.

Every token, introspection and revocation request authenticates its client: reading the
row each time costs a database round trip on the hottest paths. A client (or its absence)
is kept `ttl_seconds`: a secret rotated or a client removed by another replica takes
effect within that time here, at once in the process that changed it (`forget`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.orm import Session

from idp.clients.registration import MAX_CLIENT_ID_LENGTH
from idp.clients.service import RegisteredClient, find_client

CLIENT_CACHE_SECONDS = 5.0
MAX_CACHED_CLIENTS = 10_000


class ClientDirectory:
    def __init__(
        self,
        ttl_seconds: float = CLIENT_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._now = monotonic
        self._entries: dict[str, tuple[RegisteredClient | None, float]] = {}

    def find(self, db: Session, client_id: str) -> RegisteredClient | None:
        if not client_id or len(client_id) > MAX_CLIENT_ID_LENGTH:
            return None
        entry = self._entries.get(client_id)
        now = self._now()
        if entry is not None and now - entry[1] < self._ttl:
            return entry[0]
        client = find_client(db, client_id)
        if len(self._entries) >= MAX_CACHED_CLIENTS:
            self._entries.clear()  # bounded: unknown client ids cannot grow it without end
        self._entries[client_id] = (client, now)
        return client

    def remembered(self, client_id: str) -> RegisteredClient | None:
        """The client if this process read it less than `ttl_seconds` ago; else None (an
        unknown client too: the caller then takes the path that reads the database)."""
        entry = self._entries.get(client_id)
        if entry is None or self._now() - entry[1] >= self._ttl:
            return None
        return entry[0]

    def forget(self, client_id: str) -> None:
        self._entries.pop(client_id, None)
