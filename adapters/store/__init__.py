"""Ephemeral store family: the `EphemeralStore` port, Redis and in-process implementations."""

from adapters.store.memory import MemoryStore
from adapters.store.ports import EphemeralStore
from adapters.store.redis import RedisStore

__all__ = ["EphemeralStore", "MemoryStore", "RedisStore"]
