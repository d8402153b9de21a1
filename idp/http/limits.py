"""A cap on JSON API bodies, enforced before authentication or parsing.

The portal API parses JSON bodies into models; without a cap, an unauthenticated caller
could make the service buffer any amount. Bodies of `/api/` requests larger than
`MAX_API_BODY_BYTES` are refused with 413 and a problem naming the limit: by their
declared `Content-Length`, or while streaming when none was declared.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_API_BODY_BYTES = 64 * 1024
PROBLEM_TYPE = "https://passerelle.example/problems/body_too_large"


class BodyTooLarge(Exception):
    """The body went past the limit while it was being read."""


class ApiBodyLimit:
    def __init__(self, app: ASGIApp, *, prefix: str = "/api/", limit: int = MAX_API_BODY_BYTES):
        self.app = app
        self.prefix = prefix
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": PROBLEM_TYPE,
                "title": "Payload too large",
                "status": 413,
                "detail": f"the body exceeds {self.limit} bytes",
                "errors": [{"field": "body", "message": "too large", "limit": self.limit}],
            }
        ).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
