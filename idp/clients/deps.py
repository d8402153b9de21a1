"""The portal profiles (loaded once at start), the client directory and the page's portal
names as request dependencies."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.clients.cache import ClientDirectory
from idp.clients.names import PortalNames, portal_names
from idp.clients.profiles import PortalProfiles
from idp.clients.service import RegisteredClient
from idp.http.deps import Db, shared


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


async def page_portal_names(request: Request, db: Db, profiles: Profiles) -> PortalNames:
    return portal_names(request, db, profiles)


Portals = Annotated[PortalNames, Depends(page_portal_names)]
