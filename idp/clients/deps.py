"""The portal profiles as a request dependency (loaded once at start)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.clients.profiles import PortalProfiles
from idp.clients.service import RegisteredClient
from idp.http.deps import shared


async def portal_profiles(request: Request) -> PortalProfiles:
    return cast(PortalProfiles, shared(request, "portal_profiles"))


def portal_name(request: Request, client: RegisteredClient | None) -> str | None:
    """How a page names `client`: its profile's name in the page's language (a client
    without a profile: its registered name); None without a client."""
    if client is None:
        return None
    profiles = cast(PortalProfiles, shared(request, "portal_profiles"))
    return profiles.portal_name(client, str(getattr(request.state, "locale", "en")))


Profiles = Annotated[PortalProfiles, Depends(portal_profiles)]
