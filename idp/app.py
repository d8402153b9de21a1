"""The composition root: `create_app(settings)` wires every package into one ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from adapters import EphemeralStore
from idp.accounts.routes import router as accounts_router
from idp.authn.routes import router as authn_router
from idp.authn.webauthn_routes import router as webauthn_router
from idp.bootstrap import build_runtime
from idp.clock import Clock
from idp.console.delegation_routes import router as delegation_router
from idp.console.routes import router as console_router
from idp.dev.routes import router as dev_router
from idp.http.csrf import CsrfCookieMiddleware
from idp.http.errors import install_error_handlers
from idp.http.locale import LocaleMiddleware, load_translations
from idp.http.pages import Pages, create_template_env
from idp.http.security_headers import SecurityHeadersMiddleware
from idp.oauth.routes import router as oauth_router
from idp.officer.routes import router as officer_router
from idp.oidc.routes import router as oidc_router
from idp.outbox.dispatcher import OutboxDispatcher
from idp.portal_api.routes import router as portal_api_router
from idp.runtime import Runtime
from idp.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: EphemeralStore | None = None,
    runtime: Runtime | None = None,
) -> FastAPI:
    runtime = runtime or build_runtime(settings, clock=clock, store=store)
    dispatcher = OutboxDispatcher(runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if runtime.settings.outbox_dispatcher:
            dispatcher.start()
        yield
        dispatcher.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Passerelle",
        summary="One identity across the immigration portals; delegation the applicant controls.",
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.runtime = runtime
    app.state.outbox = dispatcher
    app.state.pages = Pages(create_template_env(load_translations(PACKAGE_DIR / "locale")))
    install_error_handlers(app)
    app.include_router(oidc_router, include_in_schema=False)
    app.include_router(oauth_router, include_in_schema=False)
    app.include_router(authn_router, include_in_schema=False)
    app.include_router(webauthn_router, include_in_schema=False)
    app.include_router(accounts_router, include_in_schema=False)
    app.include_router(console_router, include_in_schema=False)
    app.include_router(delegation_router, include_in_schema=False)
    app.include_router(officer_router, include_in_schema=False)
    app.include_router(dev_router, include_in_schema=False)
    app.include_router(portal_api_router)
    app.mount("/static", StaticFiles(directory=PACKAGE_DIR / "static"), name="static")
    app.add_middleware(CsrfCookieMiddleware, secure=settings.cookie_secure)
    app.add_middleware(LocaleMiddleware, default_locale=settings.default_locale)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.issuer.startswith("https://"))
    return app
