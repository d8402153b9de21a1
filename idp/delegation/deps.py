"""The delegation events implementation as a request dependency (built once at start)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.delegation.events import SecurityEventOutbox
from idp.http.deps import shared


async def delegation_events(request: Request) -> SecurityEventOutbox:
    return cast(SecurityEventOutbox, shared(request, "delegation_events"))


Events = Annotated[SecurityEventOutbox, Depends(delegation_events)]
