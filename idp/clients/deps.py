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
from idp.http.locale import SUPPORTED_LOCALES


async def client_directory(request: Request) -> ClientDirectory:
    return cast(ClientDirectory, shared(request, "clients"))


async def portal_profiles(request: Request) -> PortalProfiles:
    return cast(PortalProfiles, shared(request, "portal_profiles"))


def client_names(request: Request, client: RegisteredClient | None) -> dict[str, str] | None:
    """How a page names `client`, in each page language: its profile's names (a client
    without a profile: its registered name); None without a client. The template picks the
    page's language, so a page kept for its language switch (`idp.http.snapshots`) names the
    portal in the other language too."""
    if client is None:
        return None
    profiles = cast(PortalProfiles, shared(request, "portal_profiles"))
    return {language: profiles.portal_name(client, language) for language in SUPPORTED_LOCALES}


Profiles = Annotated[PortalProfiles, Depends(portal_profiles)]
Clients = Annotated[ClientDirectory, Depends(client_directory)]


async def page_portal_names(request: Request, db: Db, profiles: Profiles) -> PortalNames:
    return portal_names(request, db, profiles)


Portals = Annotated[PortalNames, Depends(page_portal_names)]
