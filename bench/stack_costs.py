"""What the request stack costs before a handler does any work: CPU µs per request.

The service's own ASGI app (embedded defaults, built in this process) is called directly,
without uvicorn or a socket, for a few `async` routes that do no I/O, each at its place in
the routing order, and for a path no route has (a full walk of every route, then the
error page). Each is measured three ways: the whole app; the app without our middlewares
(request log, published documents, fast lane, security headers, locale, CSRF cookie, body
limit, unexpected errors); and the route moved to the front of the routing order, which
leaves FastAPI's own middleware and one route match. The differences are what our
middlewares and FastAPI's walk over the routes before it cost.

A second table is the floor of a sign-in's requests: do-nothing routes at the front of
the routing order, through the whole app: `async def`, plain `def` (one thread hop), and
`def` with the authorization endpoint's own dependencies (query parameters, unit of work,
store, settings, server, request time), beside an argon2id verification at the configured
parameters. Six such requests against the 0.176 of a hash that `bench/signin.py`'s goal
(0.85) leaves for everything but the hash say what any handler on these routes starts from.

Each figure is the best of 5 batches of N calls, in this process's CPU time.
Run: `python bench/stack_costs.py [N]` (default 1000); PIN=1 pins to CPU 0.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Annotated, Any

import uvloop
from fastapi import Depends, FastAPI
from harness import pinning  # also puts this checkout's `idp` first on sys.path
from signin import hash_parameters
from signin_steps import hash_ms
from starlette.responses import Response

from idp.http.deps import AppSettings, Db, Now, Router, Store
from idp.oauth.deps import Server
from idp.oauth.requests import HttpRequestInfo
from idp.oauth.routes import query_info

PATHS = ("/healthz", "/api/applications", "/userinfo", "/account/dashboard", "/no-such-page")
BATCHES = 5


def _scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "scheme": "http",
        "root_path": "",
        "state": {},
    }


async def _call(app: Any, path: str) -> int:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    status = [0]

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    await app(_scope(path), receive, send)
    return status[0]


async def _cpu_us(app: Any, path: str, count: int) -> float:
    for _ in range(count // 4):
        await _call(app, path)
    best = float("inf")
    for _ in range(BATCHES):
        started = time.process_time()
        for _ in range(count):
            await _call(app, path)
        best = min(best, (time.process_time() - started) / count * 1e6)
    return best


def _owner_first(app: Any, path: str) -> None:
    """Move the included router that has `path` to the front of the app's routes."""

    def owns(route: Any) -> bool:
        router = getattr(route, "original_router", None)
        return router is not None and any(getattr(r, "path", "") == path for r in router.routes)

    routes = app.router.routes
    app.router.routes = [r for r in routes if owns(r)] + [r for r in routes if not owns(r)]


def _inside_the_edge(app: Any) -> Any:
    """The app without any middleware of ours: FastAPI's own request handling, without the
    layers `EdgeFastAPI.wrap` put around it (request log, published documents) nor those
    `add_middleware` put inside it."""
    app.user_middleware = []
    return functools.partial(FastAPI.__call__, app)


async def _measure(build: Callable[[], Any], count: int) -> None:
    def whole(app: Any, _path: str) -> Any:
        return app

    def bare(app: Any, _path: str) -> Any:
        return _inside_the_edge(app)

    def bare_first(app: Any, path: str) -> Any:
        _owner_first(app, path)
        return _inside_the_edge(app)

    variants: list[tuple[str, Callable[[Any, str], Any]]] = [
        ("whole app", whole),
        ("no middlewares of ours", bare),
        ("no middlewares, route first", bare_first),
    ]
    print(f"{'path':28s} {'status':>6s}" + "".join(f"{name:>30s}" for name, _ in variants))
    for path in PATHS:
        figures, status = [], 0
        for _, change in variants:
            app = build()
            measured = change(app, path)
            async with app.router.lifespan_context(app):
                status = await _call(measured, path)
                figures.append(await _cpu_us(measured, path, count))
        print(f"{path:28s} {status:6d}" + "".join(f"{f:27.0f} µs" for f in figures))


def _probe_app(build: Callable[[], Any]) -> Any:
    """The app with three do-nothing routes first in the routing order (see the docstring)."""
    probes = Router()

    @probes.get("/probe/async")
    async def on_the_loop() -> Response:
        return Response(b"")

    @probes.get("/probe/def")
    def in_the_pool() -> Response:
        return Response(b"")

    @probes.get("/probe/authorize-dependencies")
    def with_dependencies(  # the authorization endpoint's own set, unused
        _info: Annotated[HttpRequestInfo, Depends(query_info)],
        _db: Db,
        _store: Store,
        _settings: AppSettings,
        _server: Server,
        _now: Now,
    ) -> Response:
        return Response(b"")

    app = build()
    app.include_router(probes)
    app.router.routes.insert(0, app.router.routes.pop())
    return app


async def _floor(build: Callable[[], Any], count: int) -> None:
    hash_us = hash_ms(hash_parameters(dict(os.environ))) * 1000  # as bench/signin.py hashes
    app = _probe_app(build)
    async with app.router.lifespan_context(app):
        print("do-nothing routes first in the routing order, whole app:")
        for path in ("/probe/async", "/probe/def", "/probe/authorize-dependencies"):
            status = await _call(app, path)
            print(f"  {path:34s} {status:4d} {await _cpu_us(app, path, count):8.0f} µs")
        deps = await _cpu_us(app, "/probe/authorize-dependencies", count)
    budget = 0.176 * hash_us
    print(
        f"argon2id verify {hash_us / 1000:.1f} ms; at sign-ins / hashes >= 0.85 the six other "
        f"requests may cost {budget / 1000:.1f} ms; six do-nothing routes with those "
        f"dependencies cost {6 * deps / 1000:.1f} ms here, before uvicorn and any work"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    cpus, _ = pinning()
    if cpus:
        os.sched_setaffinity(0, cpus)
    os.environ.update(IDP_DATA_DIR=tempfile.mkdtemp(prefix="stack-costs-"), IDP_LOG_LEVEL="error")
    from idp.app import create_app_from_environment  # the idp next to this folder

    print(f"CPU µs per request through the app in-process, best of {BATCHES} x {count}")
    uvloop.run(_measure(create_app_from_environment, count))
    uvloop.run(_floor(create_app_from_environment, count))


if __name__ == "__main__":
    main()
