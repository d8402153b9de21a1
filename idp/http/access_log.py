"""The request id and the access log: one JSON line per request, no query string.

`RequestLog` is the outermost ASGI layer. Each request gets an id: the caller's
`X-Request-Id` when it is safe to echo (`SAFE_REQUEST_ID`: 1-64 letters, digits, `._:-`),
else a new random one; it is bound to the logging context (every line logged while the
request runs carries it, in the thread pool too: anyio copies the context), kept in
`scope["state"]["request_id"]` for the error handlers, and echoed as `X-Request-Id` on
every response.

When the response is sent, one line `request` logs method, route template, status,
duration and request id, and the Prometheus request metrics are counted. The route is
the template (`/api/applications/{number}`), never the path as sent and never the query
string: query strings carry codes, tokens, `id_token_hint`s, invitation tokens and
`login_hint`s (uvicorn's own access log is off for that reason). Unrouted paths are
counted as `unmatched`, so scanners cannot grow the metrics.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Iterable

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from idp.metrics import count_http_request

log = logging.getLogger("idp.access")
REQUEST_ID_HEADER = b"x-request-id"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
UNMATCHED_ROUTE = "unmatched"


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            return text if SAFE_REQUEST_ID.fullmatch(text) else None
    return None


def request_id_of(scope: Scope) -> str:
    """The id `RequestLog` gave this request ("-" outside it)."""
    state = scope.get("state") or {}
    return str(state.get("request_id", "-"))


def route_template(scope: Scope, fixed_paths: frozenset[str]) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str) and template:
        return template
    path = str(scope.get("path", ""))
    return path if path in fixed_paths else UNMATCHED_ROUTE


_ids = random.Random()  # noqa: S311  # a correlation id, not a secret: no system call needed


def _new_request_id() -> str:
    return f"{_ids.getrandbits(64):016x}"


class RequestLog:
    def __init__(self, app: ASGIApp, *, fixed_paths: Iterable[str] = ()) -> None:
        """`fixed_paths`: paths answered before routing (discovery, JWKS), logged as is."""
        self.app = app
        self._fixed_paths = frozenset(fixed_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID_HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            structlog.contextvars.reset_contextvars(**bound)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method, route = str(scope["method"]), route_template(scope, self._fixed_paths)
        count_http_request(method, route, status, seconds)
        log.info(
            "request",
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
