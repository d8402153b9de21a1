"""Running the provider's ASGI app with uvicorn (`idp serve`, `idp demo`)."""

from __future__ import annotations

import logging

import uvicorn

from idp.settings import Settings

APP_FACTORY = "idp.app:create_app_from_environment"


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until a signal asks to stop; the settings come from the environment again in
    each worker (`APP_FACTORY`), so they must be there, not only in `settings`."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=settings.log_level,
        access_log=False,  # query strings carry codes and hints; see idp.http.access_log
        proxy_headers=True,
        server_header=False,
    )
