"""An overall deadline for one delivery, on top of httpx's per-operation timeouts.

httpx's `read` timeout bounds each read, not the exchange: a portal that trickles its
status line, headers or body a byte every few seconds would keep one delivery going for
hours, past the outbox lease (`LEASE_SECONDS`), after which another dispatcher sends the
same message while the first is still in flight. `deadline_client()` builds the
dispatcher's client on a network backend whose every connect, read and write waits at most
until the deadline that `delivery_deadline(seconds)` sets around one delivery, then fails
with a timeout, as httpx's own would.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

# The monotonic time the delivery in progress (in this thread) must be over by, if any.
_deadline: ContextVar[float | None] = ContextVar("outbox_delivery_deadline", default=None)


@contextmanager
def delivery_deadline(seconds: float) -> Iterator[None]:
    """Every network wait inside the block ends `seconds` from now at the latest."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def _bounded(timeout: float | None) -> float | None:
    """`timeout`, cut to what is left before the deadline; a timeout once it has passed."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the delivery's overall deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._stream.start_tls(ssl_context, server_hostname, _bounded(timeout))
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _bounded(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)


class _DeadlineTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        # httpx takes no network backend; its transport sends through this pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=100,  # httpx's default limits
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_DeadlineBackend(),
        )


def deadline_client(timeout_seconds: float) -> httpx.Client:
    """A client whose requests inside `delivery_deadline` end by its deadline."""
    return httpx.Client(transport=_DeadlineTransport(), timeout=timeout_seconds)
