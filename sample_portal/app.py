"""`create_app(config)`: the sample portal's FastAPI app, built from its settings.

The routes live by purpose: `signin.py` (sign in, the callback, sign out), `pages.py`
(home, my applications, acting for a client, events received) and `receivers.py` (what
the provider posts: back-channel logout tokens and delegation events).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from starlette.responses import Response

from sample_portal import pages, receivers, signin
from sample_portal.config import PortalConfig
from sample_portal.events import ReceivedEvents
from sample_portal.portal import Portal, error_page
from sample_portal.portal_api import PortalApi
from sample_portal.provider import Provider, ProviderUnavailable
from sample_portal.sessions import SessionStore


async def _provider_unreachable(request: Request, _error: Exception) -> Response:
    # A dependency outage is a 503 with a plain explanation, never a 500.
    return error_page(
        request,
        503,
        "Passerelle is not answering",
        "The sign-in service did not answer in time. Try again in a minute.",
    )


def create_app(config: PortalConfig) -> FastAPI:
    provider = Provider(config)
    portal = Portal(config, provider, PortalApi(config, provider), SessionStore(), ReceivedEvents())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await portal.api.aclose()
        await portal.provider.aclose()

    app = FastAPI(title=config.name, lifespan=lifespan, openapi_url=None, docs_url=None)
    app.state.portal = portal
    app.add_exception_handler(httpx.HTTPError, _provider_unreachable)
    app.add_exception_handler(ProviderUnavailable, _provider_unreachable)
    for module in (signin, pages, receivers):
        app.include_router(module.router)
    return app
