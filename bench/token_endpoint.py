"""Benchmark of the hot paths over HTTP: token issuance, introspection, JWKS.

Starts a real `idp serve` process on loopback (embedded backend by default, or the
IDP_DATABASE_URL / IDP_REDIS_URL of the environment), registers a portal through the CLI,
then prints for `client_credentials` at /token, /introspect and /jwks:

- latency over one keep-alive connection, one request at a time (p50, p95, p99);
- throughput with several clients at once (threads, each with its own connection).

The client shares the machine's cores with the server, so throughput is a floor.
Run: `make bench` or `python bench/token_endpoint.py [N] [CONCURRENCY]`.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def idp(env: dict[str, str], *args: str) -> dict[str, str]:
    out = subprocess.run(  # noqa: S603  # our own CLI, fixed arguments
        [sys.executable, "-m", "idp", *args, "--json"], env=env, check=True, capture_output=True
    )
    data: dict[str, str] = json.loads(out.stdout)
    return data


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(  # noqa: S603  # our own server, fixed arguments
        [sys.executable, "-m", "idp", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/jwks", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("idp serve did not answer within 60 s")


def latency(label: str, n: int, call: Callable[[], httpx.Response]) -> None:
    call()  # warm caches and the connection
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        response = call()
        timings.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code} {response.text[:200]}")
    timings.sort()
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95) - 1] * 1000
    p99 = timings[int(len(timings) * 0.99) - 1] * 1000
    print(f"{label:<30} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   p99 {p99:6.2f} ms")


def throughput(
    label: str,
    n: int,
    concurrency: int,
    make_call: Callable[[httpx.Client], httpx.Response],
    url: str,
) -> None:
    def worker(count: int) -> int:
        failures = 0
        with httpx.Client(base_url=url, timeout=30) as http:
            for _ in range(count):
                failures += make_call(http).status_code != 200
        return failures

    per_worker = max(1, n // concurrency)
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        failures = sum(pool.map(worker, [per_worker] * concurrency))
    elapsed = time.perf_counter() - started
    total = per_worker * concurrency
    print(
        f"{label:<30} {total / elapsed:7.0f} req/s with {concurrency} clients"
        + (f"  ({failures} failed)" if failures else "")
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
        env.update(
            IDP_ISSUER=url,
            IDP_DATA_DIR=str(Path(folder)),
            IDP_LOG_LEVEL="warning",
            IDP_DATABASE_URL=os.environ.get("IDP_DATABASE_URL", ""),
            IDP_REDIS_URL=os.environ.get("IDP_REDIS_URL", ""),
        )
        idp(env, "db", "upgrade")
        client = idp(
            env, "clients", "create", "--name", "Bench portal", "--grant-type", "client_credentials"
        )
        auth = (client["client_id"], client["client_secret"])
        server = start_server(env, port)
        backend = "PostgreSQL" if env["IDP_DATABASE_URL"] else "SQLite"
        store = "Redis" if env["IDP_REDIS_URL"] else "in-process store"
        print(f"idp serve on loopback; {backend} + {store}; n={n}")
        try:
            data = {"grant_type": "client_credentials"}
            with httpx.Client(base_url=url, timeout=30) as http:
                token = http.post("/token", data=data, auth=auth).json()["access_token"]
                latency(
                    "POST /token (client creds)",
                    n,
                    lambda: http.post("/token", data=data, auth=auth),
                )
                body = {"token": token}
                latency(
                    "POST /introspect", n, lambda: http.post("/introspect", data=body, auth=auth)
                )
                latency("GET /jwks", n, lambda: http.get("/jwks"))
            throughput(
                "POST /token (client creds)",
                n,
                concurrency,
                lambda http: http.post("/token", data=data, auth=auth),
                url,
            )
            throughput(
                "POST /introspect",
                n,
                concurrency,
                lambda http: http.post("/introspect", data=body, auth=auth),
                url,
            )
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
