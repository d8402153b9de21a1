"""Redis implementation of the ephemeral store (production, several replicas).

`pop` uses GETDEL and `add` uses SET NX, both atomic on the server, so a single-use value
is handed to exactly one replica. Keys carry a prefix so one Redis can serve several
deployments.
"""

from __future__ import annotations

from typing import cast

import redis


class RedisStore:
    def __init__(self, url: str, prefix: str = "idp:") -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix

    def _k(self, key: str) -> str:
        return self._prefix + key

    def get(self, key: str) -> bytes | None:
        return cast(bytes | None, self._redis.get(self._k(key)))

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._redis.set(self._k(key), value, ex=max(1, ttl_seconds))

    def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        return bool(self._redis.set(self._k(key), value, ex=max(1, ttl_seconds), nx=True))

    def pop(self, key: str) -> bytes | None:
        return cast(bytes | None, self._redis.getdel(self._k(key)))

    def delete(self, key: str) -> None:
        self._redis.delete(self._k(key))

    def incr(self, key: str, ttl_seconds: int) -> int:
        pipe = self._redis.pipeline()
        pipe.incr(self._k(key))
        pipe.expire(self._k(key), max(1, ttl_seconds), nx=True)
        count, _ = pipe.execute()
        return int(count)

    def ttl(self, key: str) -> int | None:
        left = int(self._redis.ttl(self._k(key)))
        return None if left < 0 else left

    def ping(self) -> bool:
        return bool(self._redis.ping())

    def close(self) -> None:
        self._redis.close()
