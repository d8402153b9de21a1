"""The composition root: `create_app(settings)` wires every package into one ASGI app.

The shared components (`idp.bootstrap.Components`) are put on `app.state`, one attribute
each, where the typed dependencies of `idp.http.deps` and of each capability's `deps.py`
read them; routers are included; the middlewares wrap the app: the request log outermost
(request id, access line, request metrics), then discovery and the JWKS (served from
memory before anything else runs), both around FastAPI's own request handling
(`idp.http.edge`), then the machine endpoints' fast lane (client credentials and
introspection answered from memory when they can be), and the top-level error handler
innermost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import fields
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from adapters import EphemeralStore
from idp.authn.routes import router as authn_router
from idp.authn.webauthn_routes import router as webauthn_router
from idp.bootstrap import Components, build_components, signing_algs
from idp.clock import Clock
from idp.console.routes import routers as console_routers
from idp.dev.routes import router as dev_router
from idp.enrolment.routes import routers as enrolment_routers
from idp.family.routes import router as family_router
from idp.http.access_log import RequestLog
from idp.http.csrf import CsrfCookieMiddleware
from idp.http.documents import PublishedDocuments
from idp.http.edge import EdgeFastAPI
from idp.http.errors import UnexpectedErrors, install_error_handlers
from idp.http.head import HeadAsGet
from idp.http.language_routes import router as language_router
from idp.http.limits import ApiBodyLimit
from idp.http.locale import LocaleMiddleware, load_translations
from idp.http.pages import Pages, create_template_env
from idp.http.security_headers import ApiNoStore, SecurityHeadersMiddleware, security_headers
from idp.http.snapshots import PageSnapshots
from idp.legacy.routes import router as legacy_router
from idp.oauth.fast_lane import FAST_LANE_PATHS, MachineFastLane
from idp.oauth.routes import router as oauth_router
from idp.officer.identity_routes import router as identity_checks_router
from idp.officer.routes import routers as officer_routers
from idp.oidc.jwks import JWKS_CACHE_SECONDS, JWKS_MEDIA_TYPE
from idp.oidc.routes import DISCOVERY_PATHS
from idp.oidc.routes import router as oidc_router
from idp.ops.exposition import outbox_registry
from idp.ops.health import Readiness
from idp.ops.routes import router as ops_router
from idp.outbox.dispatcher import OutboxDispatcher
from idp.portal_api.routes import router as portal_api_router
from idp.selfservice.identity_routes import router as identity_router
from idp.selfservice.routes import router as selfservice_router
from idp.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
# In the order FastAPI tries them (every route of each, ~2 µs a route): the busiest first,
# so a portal's call does not walk a hundred page routes (`bench/stack_costs.py`).
ROUTERS = (oauth_router, portal_api_router, ops_router)
PAGE_ROUTERS = (
    oidc_router,
    authn_router,
    webauthn_router,
    selfservice_router,
    identity_router,
    *console_routers,
    *enrolment_routers,
    family_router,
    legacy_router,
    *officer_routers,
    identity_checks_router,
    dev_router,
    language_router,
)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: EphemeralStore | None = None,
    components: Components | None = None,
) -> FastAPI:
    components = components or build_components(settings, clock=clock, store=store)
    dispatcher = OutboxDispatcher(
        components.session_factory,
        components.clock,
        components.keyring,
        settings.outbox_poll_seconds,
    )

    readiness = Readiness(
        factory=components.session_factory,
        store=components.store,
        keyring=components.keyring,
        algs=signing_algs(settings),
        timeout_seconds=settings.readiness_timeout_seconds,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.outbox_dispatcher:
            dispatcher.start()
        yield
        dispatcher.stop()
        readiness.close()
        if components.async_store is not None:
            await components.async_store.aclose()

    app = EdgeFastAPI(
        lifespan=lifespan,
        title="Passerelle",
        summary="One identity across the immigration portals; delegation the applicant controls.",
        version="0.1.0",
        docs_url=None,  # served by `idp.portal_api` from the package's own assets (CSP)
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    for component in fields(components):
        setattr(app.state, component.name, getattr(components, component.name))
    app.state.components = components
    app.state.outbox = dispatcher
    app.state.readiness = readiness
    app.state.outbox_gauges = outbox_registry(components.session_factory, components.clock)
    translations = load_translations(PACKAGE_DIR / "locale")
    templates = create_template_env(translations, settings.display_zone)
    app.state.pages = Pages(
        templates, PageSnapshots(components.store, components.master_key, components.clock)
    )
    install_error_handlers(app)
    for router in (*ROUTERS, *PAGE_ROUTERS):
        app.include_router(router, include_in_schema=router is portal_api_router)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    hsts = settings.issuer.startswith("https://")
    app.add_middleware(UnexpectedErrors)
    app.add_middleware(ApiBodyLimit)
    app.add_middleware(ApiNoStore)  # outside the body limit: its 413 too
    app.add_middleware(CsrfCookieMiddleware, secure=settings.cookie_secure)
    app.add_middleware(
        LocaleMiddleware, default_locale=settings.default_locale, secure=settings.cookie_secure
    )
    app.add_middleware(SecurityHeadersMiddleware, hsts=hsts)
    app.add_middleware(
        MachineFastLane,
        server=components.oauth_server,
        async_store=components.async_store,
        clock=components.clock,
        extra_headers=security_headers(hsts=hsts),
    )
    app.wrap(HeadAsGet)
    discovery = (components.discovery, b"application/json", "public, max-age=3600")
    app.wrap(
        PublishedDocuments,
        documents={
            **dict.fromkeys(DISCOVERY_PATHS, discovery),
            "/jwks": (components.jwks, JWKS_MEDIA_TYPE, f"public, max-age={JWKS_CACHE_SECONDS}"),
        },
        extra_headers=security_headers(hsts=hsts),
    )
    app.wrap(RequestLog, fixed_paths=(*DISCOVERY_PATHS, "/jwks", *FAST_LANE_PATHS))
    return app


def create_app_from_environment() -> FastAPI:
    """The app of `idp serve`: settings from the environment (one per worker process)."""
    return create_app(Settings())
