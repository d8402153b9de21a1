"""Typed dependencies of the operations routes (objects `create_app` put on `app.state`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from prometheus_client import CollectorRegistry
from starlette.requests import Request

from idp.http.deps import shared
from idp.ops.health import Readiness


async def app_readiness(request: Request) -> Readiness:
    return cast(Readiness, shared(request, "readiness"))


async def app_outbox_gauges(request: Request) -> CollectorRegistry:
    return cast(CollectorRegistry, shared(request, "outbox_gauges"))


ReadinessDep = Annotated[Readiness, Depends(app_readiness)]
OutboxGauges = Annotated[CollectorRegistry, Depends(app_outbox_gauges)]
