"""The lean sign-in shape's ASGI plumbing: what a handler reads (query, cookies, form,
headers, one hop to the thread pool), the body of a request, and a response with
Passerelle's security headers."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qsl

HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]


class Request:
    """What a handler of the shape reads: query, cookies, form, headers; `in_pool` runs
    blocking work (SQLite, argon2id) in the thread pool, one hop per request."""

    def __init__(self, scope: dict[str, Any], send: Any, form: dict[str, str], pool: Any) -> None:
        self.scope, self.send, self.form, self.pool = scope, send, form, pool
        self.query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        self.cookies: dict[str, str] = {}
        cookie = self.header(b"cookie")
        for part in cookie.split(";") if cookie else ():
            name, _, value = part.strip().partition("=")
            self.cookies[name] = value

    def header(self, name: bytes) -> str:
        return next((v.decode("latin-1") for k, v in self.scope["headers"] if k == name), "")

    async def in_pool(self, work: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, work, *args)


async def body_of(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def answer(send: Any, status: int, body: bytes = b"", headers: Any = ()) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *HEADERS,
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def redirect(location: str) -> list[Any]:
    return [(b"location", location.encode())]


def html() -> list[Any]:
    return [(b"content-type", b"text/html; charset=utf-8"), (b"content-language", b"en")]
