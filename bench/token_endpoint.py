"""Benchmark of the hot paths: token issuance and introspection, in process.

Prints requests per second and latency percentiles for `client_credentials` at /token
and for /introspect, through the whole ASGI app (parsing, client auth, signing, DB), on
the embedded backend (SQLite + in-process store) by default or on IDP_DATABASE_URL /
IDP_REDIS_URL when set. Run: `make bench` or `python bench/token_endpoint.py [N]`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from idp.app import create_app
from idp.bootstrap import build_runtime
from idp.oauth.clients import create_client
from idp.settings import Settings
from keys import MasterKey


def measure(label: str, n: int, call) -> None:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    timings.sort()
    total = sum(timings)
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95) - 1] * 1000
    print(f"{label:<34} {n / total:8.0f} req/s   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            issuer="https://bench.example",
            data_dir=Path(folder),
            database_url=os.environ.get("IDP_DATABASE_URL", ""),
            redis_url=os.environ.get("IDP_REDIS_URL", ""),
            master_key=MasterKey.generate().to_b64url(),  # type: ignore[arg-type]
        )
        runtime = build_runtime(settings)
        with runtime.transaction() as db:
            client, secret = create_client(
                db,
                name="Bench portal",
                redirect_uris=[],
                grant_types=["client_credentials"],
                scope="openid",
                now=runtime.clock.now(),
            )
        app = create_app(settings, runtime=runtime)
        backend = "PostgreSQL" if "postgresql" in settings.resolved_database_url else "SQLite"
        print(
            f"backend: {backend} + {'Redis' if settings.redis_url else 'in-process store'}; n={n}"
        )
        with TestClient(app, base_url="https://bench.example") as http:
            auth = (client.client_id, secret or "")
            data = {"grant_type": "client_credentials"}
            http.post("/token", data=data, auth=auth)  # warm up caches and the pool
            measure(
                "POST /token (client_credentials)",
                n,
                lambda: http.post("/token", data=data, auth=auth),
            )
            token = http.post("/token", data=data, auth=auth).json()["access_token"]
            body = {"token": token}
            measure(
                "POST /introspect (access token)",
                n,
                lambda: http.post("/introspect", data=body, auth=auth),
            )
            measure("GET /jwks", n, lambda: http.get("/jwks"))


if __name__ == "__main__":
    main()
