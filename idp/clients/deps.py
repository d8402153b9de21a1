"""The portal profiles as a request dependency (loaded once at start)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.clients.profiles import PortalProfiles
from idp.http.deps import shared


async def portal_profiles(request: Request) -> PortalProfiles:
    return cast(PortalProfiles, shared(request, "portal_profiles"))


Profiles = Annotated[PortalProfiles, Depends(portal_profiles)]
