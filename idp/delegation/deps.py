"""The delegation announcer as a request dependency (built once by `create_app`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.delegation.events import PortalAnnouncer
from idp.http.deps import shared


async def delegation_announcer(request: Request) -> PortalAnnouncer:
    return cast(PortalAnnouncer, shared(request, "announcer"))


Announcer = Annotated[PortalAnnouncer, Depends(delegation_announcer)]
