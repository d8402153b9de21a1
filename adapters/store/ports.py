"""The ephemeral store port: short-lived shared state with a time to live.

Authorization codes, browser sign-in sessions, pending authorization requests, replay
caches (`jti` of client assertions) and counters live here: Redis in production, a dict in
the embedded default. Every operation the OIDC core relies on for single use is atomic
(`add`, `pop`), so two app replicas sharing one Redis agree on who won.

An implementation that cannot reach its server raises `StoreUnavailable` from every
operation (never a driver exception), so the app answers 503 and not 500; `ping` never
raises and tells a readiness probe whether the store answers.
"""

from __future__ import annotations

from typing import Protocol


class StoreUnavailable(Exception):
    """The store's server did not answer (refused, reset or timed out): retry later."""

    code = "store_unavailable"


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

    def ping(self) -> bool:
        """True when the store answers now; False (never an exception) otherwise."""
        ...


class AsyncStore(Protocol):
    """The few store commands the event loop needs, without blocking it (`async_store()` of
    the in-process and Redis stores): a read, and a key added only if absent."""

    async def get(self, key: str) -> bytes | None:
        """The value, or None; raises `StoreUnavailable` if the server did not answer."""

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        """Set only if absent (`EphemeralStore.add`); raises `StoreUnavailable`."""

    async def aclose(self) -> None: ...
