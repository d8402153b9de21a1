"""The ephemeral store port: short-lived shared state with a time to live.

Authorization codes, browser sign-in sessions, pending authorization requests, replay
caches (`jti` of client assertions) and counters live here: Redis in production, a dict in
the embedded default. Every operation the OIDC core relies on for single use is atomic
(`add`, `pop`), so two app replicas sharing one Redis agree on who won.
"""

from __future__ import annotations

from typing import Protocol


class EphemeralStore(Protocol):
    def get(self, key: str) -> bytes | None:
        """The value, or None when absent or expired."""
        ...

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store (or replace) a value that disappears after `ttl_seconds`."""
        ...

    def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        """Store only if absent; True when this call stored it (replay caches, locks)."""
        ...

    def pop(self, key: str) -> bytes | None:
        """Read and delete in one step: exactly one caller gets a single-use value."""
        ...

    def delete(self, key: str) -> None: ...

    def incr(self, key: str, ttl_seconds: int) -> int:
        """Add one to a counter, starting a `ttl_seconds` window at its first increment."""
        ...

    def ttl(self, key: str) -> int | None:
        """Seconds left before `key` expires, None when absent."""
        ...
