"""Ephemeral store family: the `EphemeralStore` port, Redis and in-process implementations.

- `ports.py`: `EphemeralStore` and `StoreUnavailable` (the server did not answer).
- `redis.py`: `RedisStore` (production), bounded by connect and command timeouts.
- `memory.py`: `MemoryStore` (the embedded default, one process).
"""

from adapters.store.memory import MemoryStore
from adapters.store.ports import AsyncStore, EphemeralStore, StoreUnavailable
from adapters.store.redis import AsyncRedisStore, RedisStore

__all__ = [
    "AsyncRedisStore",
    "AsyncStore",
    "EphemeralStore",
    "MemoryStore",
    "RedisStore",
    "StoreUnavailable",
]
