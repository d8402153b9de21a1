"""`/healthz`, `/readyz`, `/metrics`: for orchestrators and Prometheus, not for people.

- `/healthz` answers 200 while the process serves requests; it touches no dependency
  (a restart would not fix an outage of the database).
- `/readyz` answers 200 when the database, the store and the signing keys are usable,
  else 503 with `Retry-After`, naming each failing part; it never waits longer than
  `IDP_READINESS_TIMEOUT_SECONDS` (the Docker health check and the load balancer use it).
- `/metrics` is the Prometheus text exposition (`idp.ops.exposition`).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import JSONResponse, Response

from idp.http.deps import Router
from idp.http.errors import RETRY_AFTER_SECONDS
from idp.ops.deps import OutboxGauges, ReadinessDep
from idp.ops.exposition import render_metrics

router = Router()
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/healthz")
async def healthz() -> Response:
    return JSONResponse({"status": "alive"}, headers=NO_STORE)


@router.get("/readyz")
def readyz(readiness: ReadinessDep) -> Response:
    parts = readiness.check()
    failing = sorted(name for name, part in parts.items() if not part.ok)
    body = {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        "checks": {name: part.detail for name, part in parts.items()},
    }
    if not failing:
        return JSONResponse(body, headers=NO_STORE)
    headers = {**NO_STORE, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=503, headers=headers)


@router.get("/metrics")
def metrics(gauges: OutboxGauges) -> Response:
    return Response(render_metrics(gauges), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
