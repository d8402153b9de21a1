"""Documents served from memory at the edge: discovery and the JWKS.

`PublishedDocuments` is the outermost ASGI layer: a `GET` (or `HEAD`) of one of its paths
is answered with prebuilt bytes and headers before Starlette, FastAPI or any other
middleware runs, so these hot, public, cacheable documents cost one dictionary look-up
and never touch the database, the store or the thread pool (a frozen database or Redis
cannot slow them down). Each document is a `Document` whose `current()` returns the bytes
to serve now; the security headers every response carries are added here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from starlette.types import ASGIApp, Receive, Scope, Send


class Document(Protocol):
    def current(self) -> bytes: ...


class StaticDocument:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def current(self) -> bytes:
        return self._body


class PublishedDocuments:
    def __init__(
        self,
        app: ASGIApp,
        *,
        documents: Mapping[str, tuple[Document, bytes, str]],
        extra_headers: Sequence[tuple[bytes, bytes]],
    ) -> None:
        """`documents`: path → (document, media type, Cache-Control value)."""
        self.app = app
        self._routes = {
            path: (
                document,
                [
                    (b"content-type", media_type),
                    (b"cache-control", cache_control.encode()),
                    *extra_headers,
                ],
            )
            for path, (document, media_type, cache_control) in documents.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        document, headers = route
        body = document.current()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*headers, (b"content-length", str(len(body)).encode())],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
