"""In-process implementation of the ephemeral store (the embedded default).

One process only: two `idp serve` processes need Redis to share codes and sessions.
Thread-safe, since FastAPI runs sync handlers on a thread pool.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class MemoryStore:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._now = monotonic
        self._items: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str) -> tuple[bytes, float] | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= self._now():
            del self._items[key]
            return None
        return item

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._live(key)
            return item[0] if item else None

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._lock:
            self._items[key] = (value, self._now() + ttl_seconds)
            if len(self._items) % 1024 == 0:
                self._sweep()

    def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        with self._lock:
            if self._live(key) is not None:
                return False
            self._items[key] = (value, self._now() + ttl_seconds)
            return True

    def pop(self, key: str) -> bytes | None:
        with self._lock:
            item = self._live(key)
            if item is None:
                return None
            del self._items[key]
            return item[0]

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def incr(self, key: str, ttl_seconds: int) -> int:
        with self._lock:
            item = self._live(key)
            if item is None:
                self._items[key] = (b"1", self._now() + ttl_seconds)
                return 1
            count = int(item[0]) + 1
            self._items[key] = (str(count).encode(), item[1])
            return count

    def ttl(self, key: str) -> int | None:
        with self._lock:
            item = self._live(key)
            return None if item is None else max(0, int(item[1] - self._now()))

    def ping(self) -> bool:
        return True  # in-process: nothing to reach

    def async_store(self) -> MemoryAsyncStore:
        """This store for the event loop: in process, it never waits."""
        return MemoryAsyncStore(self)

    def _sweep(self) -> None:
        now = self._now()
        for key in [k for k, (_, expiry) in self._items.items() if expiry <= now]:
            del self._items[key]


class MemoryAsyncStore:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def get(self, key: str) -> bytes | None:
        return self._store.get(key)

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        return self._store.add(key, value, ttl_seconds)

    async def aclose(self) -> None:
        """Nothing to close."""
