"""How fast can one Python process answer HTTP on this machine: the ceiling of any endpoint.

Serves the same fixed bytes (a JWKS-sized JSON document) four ways on uvicorn with uvloop,
one process pinned to CPU 0, and loads each with wrk pinned to CPU 1 (16 connections):

- a raw ASGI callable (no framework), with httptools and with h11;
- a FastAPI route returning `Response(bytes)` (the shared FastAPI floor's /jwks), with
  httptools and with h11;
- the FastAPI route behind three pass-through pure-ASGI middlewares (Passerelle has three:
  CSRF cookie, locale, security headers), with httptools.

Besides requests per second it prints the server's CPU µs per request (from /proc, all
threads), which other processes on the machine do not change much.
Rounds alternate and medians are kept. Needs `wrk` (apt-get install wrk).
Run: `python bench/http_floor.py [SECONDS] [ROUNDS]` (default 5 3).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

from harness import ROOT, free_port, pinning, process_tree_cpu

BODY = json.dumps(
    {"keys": [{"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "B" * 43, "kid": "k" * 22}] * 3}
).encode()
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:  # noqa: ARG001  # ASGI signature
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def fastapi_app(middlewares: int = 0) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI()

    @app.get("/jwks")
    async def jwks() -> Response:
        return Response(BODY, media_type="application/json")

    class PassThrough:
        """A pure-ASGI middleware that wraps `send`, as Passerelle's three do."""

        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def wrapped(message: Any) -> None:
                await send(message)

            await self.app(scope, receive, wrapped)

    for _ in range(middlewares):
        app.add_middleware(PassThrough)
    return app


def fastapi_plain() -> Any:
    return fastapi_app(0)


def fastapi_three_middlewares() -> Any:
    return fastapi_app(3)


CASES = [
    ("raw ASGI, httptools", "http_floor:raw_app", "httptools", False),
    ("raw ASGI, h11", "http_floor:raw_app", "h11", False),
    ("FastAPI Response(bytes), httptools", "http_floor:fastapi_plain", "httptools", True),
    ("FastAPI Response(bytes), h11", "http_floor:fastapi_plain", "h11", True),
    (
        "FastAPI + 3 ASGI middlewares, httptools",
        "http_floor:fastapi_three_middlewares",
        "httptools",
        True,
    ),
]


def serve(target: str, http: str, factory: bool, cpus: set[int] | None) -> tuple[Any, int]:
    port = free_port()
    args = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--http", http]
    args += ["--loop", "uvloop", "--no-access-log", "--log-level", "warning"]
    if factory:
        args.append("--factory")
    process = subprocess.Popen(  # noqa: S603  # uvicorn with fixed arguments
        args,
        cwd=ROOT / "bench",
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )
    for _ in range(100):
        done = subprocess.run(  # noqa: S603  # curl with fixed arguments
            [
                shutil.which("curl") or "curl",
                "-fs",
                "-o",
                "/dev/null",
                f"http://127.0.0.1:{port}/jwks",
            ],
            check=False,
        )
        if done.returncode == 0:
            return process, port
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"uvicorn {target} did not answer")


def wrk(port: int, seconds: int, cpus: set[int] | None) -> tuple[float, int]:
    prefix = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
    done = subprocess.run(  # noqa: S603  # wrk with fixed arguments, bounded by -d and timeout
        [*prefix, "wrk", "-t1", "-c16", f"-d{seconds}s", f"http://127.0.0.1:{port}/jwks"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    count = re.search(r"(\d+) requests in", done.stdout)
    return (float(rate[1]) if rate else 0.0), (int(count[1]) if count else 0)


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    server_cpus, client_cpus = pinning()
    servers = {label: serve(t, h, f, server_cpus) for label, t, h, f in CASES}
    rates: dict[str, list[float]] = {label: [] for label, *_ in CASES}
    cpu: dict[str, list[float]] = {label: [] for label, *_ in CASES}
    try:
        for _ in range(rounds):
            for label, (process, port) in servers.items():
                before = process_tree_cpu(process.pid)
                rate, count = wrk(port, seconds, client_cpus)
                rates[label].append(rate)
                cpu[label].append((process_tree_cpu(process.pid) - before) / max(1, count) * 1e6)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=15)
    where = f"server on CPU {sorted(server_cpus)}" if server_cpus else "not pinned"
    print(f"uvicorn + uvloop, one process, {where}; wrk -c16 {seconds}s x {rounds}, medians")
    raw = statistics.median(rates[CASES[0][0]])
    for label, values in rates.items():
        median = statistics.median(values)
        print(
            f"{label:<42} {median:7.0f} req/s  {median / raw:5.2f} of raw ASGI  "
            f"{statistics.median(cpu[label]):5.0f} µs CPU/request"
        )


if __name__ == "__main__":
    main()
