"""Request dependencies of the console pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from idp.clients.deps import Profiles
from idp.console.views import PortalNames, portal_names
from idp.http.deps import Db


async def page_portal_names(request: Request, db: Db, profiles: Profiles) -> PortalNames:
    return portal_names(request, db, profiles)


Portals = Annotated[PortalNames, Depends(page_portal_names)]
