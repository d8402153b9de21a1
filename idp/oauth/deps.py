"""The OAuth server as a request dependency (built once by `create_app`)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from idp.http.deps import shared
from idp.oauth.server import IdpAuthorizationServer


async def oauth_server(request: Request) -> IdpAuthorizationServer:
    return cast(IdpAuthorizationServer, shared(request, "oauth_server"))


Server = Annotated[IdpAuthorizationServer, Depends(oauth_server)]
