"""Edges to the outside world, one folder per family, each with its `ports.py`.

- `store/`: ephemeral shared state (Redis, in-process).
- (coming) `mail/`, `portals/`, `verification/`, `events/`.
"""

from adapters.store import EphemeralStore, MemoryStore, RedisStore

__all__ = ["EphemeralStore", "MemoryStore", "RedisStore"]
