"""FastAPI with ASGI layers around its own request handling, not inside it.

`app.add_middleware` puts a layer inside FastAPI's `__call__` and FastAPI's own
middlewares (server errors, telemetry, body limits), so a request the layer answers by
itself still pays for them: a JWKS answer cost ~20 µs of CPU in the app that way, 9.6 µs
wrapped around it (in process, pinned; docs/performance.md, "Latest figures"). `EdgeFastAPI.wrap`
puts a layer around the whole app instead, the last wrapped outermost: the request log,
then the documents served from memory (discovery, JWKS). An error escaping the app still
reaches FastAPI's server-error handler first, inside them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send


class EdgeFastAPI(FastAPI):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._edge: ASGIApp = functools.partial(FastAPI.__call__, self)

    def wrap(self, layer: Callable[..., ASGIApp], **options: Any) -> None:
        """Put `layer(app, **options)` around everything wrapped so far."""
        self._edge = layer(self._edge, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._edge(scope, receive, send)
