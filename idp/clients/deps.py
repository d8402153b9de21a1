"""The portal profiles (loaded once at start) and the client directory as request
dependencies."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.clients.cache import ClientDirectory
from idp.clients.profiles import PortalProfiles
from idp.clients.service import RegisteredClient
from idp.http.deps import shared


async def client_directory(request: Request) -> ClientDirectory:
    return cast(ClientDirectory, shared(request, "clients"))


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
Clients = Annotated[ClientDirectory, Depends(client_directory)]
