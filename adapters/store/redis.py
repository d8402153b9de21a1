"""Redis implementation of the ephemeral store (production, several replicas).

`pop` uses GETDEL and `add` uses SET NX, both atomic on the server, so a single-use value
is handed to exactly one replica. Keys carry a prefix so one Redis can serve several
deployments.

Every call is bounded (DESIGN §8: every outside call has a timeout): connecting waits at
most `connect_timeout` seconds and a command `socket_timeout` seconds. A refused or reset
connection is retried once, at once, so the first command after a Redis restart replaces
a dead pooled connection instead of failing; a timeout is not retried, so a frozen Redis
costs one timeout, not several. What still fails is raised as `StoreUnavailable`, never
as a driver exception, and the error names the server but never a key (keys may embed
codes).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from adapters.store.ports import StoreUnavailable

REDIS_SOCKET_TIMEOUT_SECONDS = 0.5
REDIS_CONNECT_TIMEOUT_SECONDS = 0.5
REDIS_RETRIES_ON_CONNECTION_ERROR = 1
REDIS_URL_FORMS = "redis://host:6379/0, rediss://host:6379/0 or unix:///path/to/redis.sock"


class RedisStore:
    def __init__(
        self,
        url: str,
        prefix: str = "idp:",
        *,
        socket_timeout: float = REDIS_SOCKET_TIMEOUT_SECONDS,
        connect_timeout: float = REDIS_CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        if socket_timeout <= 0 or connect_timeout <= 0:
            raise ValueError("socket_timeout and connect_timeout must be positive seconds")
        retry = Retry(
            NoBackoff(), REDIS_RETRIES_ON_CONNECTION_ERROR, supported_errors=(RedisConnectionError,)
        )
        try:
            self._redis = redis.Redis.from_url(
                url,
                socket_timeout=socket_timeout,
                socket_connect_timeout=connect_timeout,
                retry=retry,
            )
        except ValueError:
            # redis-py quotes the whole URL, password included: say what is expected instead.
            raise ValueError(f"the Redis URL must look like {REDIS_URL_FORMS}") from None
        self._url = url
        self._socket_timeout, self._connect_timeout = socket_timeout, connect_timeout
        self._prefix = prefix
        self._timeouts = f"connect {connect_timeout:g} s, command {socket_timeout:g} s"
        options = self._redis.connection_pool.connection_kwargs
        self._server = str(options.get("path") or f"{options.get('host')}:{options.get('port')}")

    @contextmanager
    def _answering(self, operation: str) -> Iterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError) as error:
            raise StoreUnavailable(
                f"Redis at {self._server} did not answer {operation} ({self._timeouts}): "
                f"{type(error).__name__}"
            ) from error

    def _k(self, key: str) -> str:
        return self._prefix + key

    def get(self, key: str) -> bytes | None:
        with self._answering("GET"):
            return cast(bytes | None, self._redis.get(self._k(key)))

    def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._answering("SET"):
            self._redis.set(self._k(key), value, ex=max(1, ttl_seconds))

    def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        with self._answering("SET NX"):
            return bool(self._redis.set(self._k(key), value, ex=max(1, ttl_seconds), nx=True))

    def pop(self, key: str) -> bytes | None:
        with self._answering("GETDEL"):
            return cast(bytes | None, self._redis.getdel(self._k(key)))

    def delete(self, key: str) -> None:
        with self._answering("DEL"):
            self._redis.delete(self._k(key))

    def incr(self, key: str, ttl_seconds: int) -> int:
        with self._answering("INCR"):
            pipe = self._redis.pipeline()
            pipe.incr(self._k(key))
            pipe.expire(self._k(key), max(1, ttl_seconds), nx=True)
            count, _ = pipe.execute()
        return int(count)

    def ttl(self, key: str) -> int | None:
        with self._answering("TTL"):
            left = int(self._redis.ttl(self._k(key)))
        return None if left < 0 else left

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except RedisError:  # any failure means "not ready"; a probe must never raise
            return False

    def close(self) -> None:
        self._redis.close()

    def async_store(self) -> AsyncRedisStore:
        """This store for the event loop (same server, prefix, timeouts)."""
        return AsyncRedisStore(
            self._url,
            self._prefix,
            socket_timeout=self._socket_timeout,
            connect_timeout=self._connect_timeout,
        )


class AsyncRedisStore:
    """Reads and adds keys on the event loop without blocking it (`redis.asyncio`), bounded
    by the same timeouts as `RedisStore`; for the few answers a handler gives from memory
    once one key agrees (`idp.oauth.fast_lane`). Its client belongs to the event loop that
    first used it; another loop (a test's) gets a client of its own."""

    def __init__(
        self,
        url: str,
        prefix: str = "idp:",
        *,
        socket_timeout: float = REDIS_SOCKET_TIMEOUT_SECONDS,
        connect_timeout: float = REDIS_CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        self._url = url
        self._prefix = prefix
        self._socket_timeout = socket_timeout
        self._connect_timeout = connect_timeout
        self._client: redis.asyncio.Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _client_of_this_loop(self) -> redis.asyncio.Redis:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # a client of another loop (a test's, now closed) cannot be closed from here
            self._client = redis.asyncio.Redis.from_url(
                self._url,
                socket_timeout=self._socket_timeout,
                socket_connect_timeout=self._connect_timeout,
            )
            self._loop = loop
        return self._client

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._client_of_this_loop().get(self._prefix + key)
        except RedisError as error:
            raise StoreUnavailable(f"Redis did not answer GET ({type(error).__name__})") from None
        return cast(bytes | None, value)

    async def add(self, key: str, value: bytes, ttl_seconds: int) -> bool:
        try:
            added = await self._client_of_this_loop().set(
                self._prefix + key, value, ex=max(1, ttl_seconds), nx=True
            )
        except RedisError as error:
            raise StoreUnavailable(
                f"Redis did not answer SET NX ({type(error).__name__})"
            ) from None
        return bool(added)

    async def aclose(self) -> None:
        """Close the client on the loop that made it (the app's shutdown)."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()
