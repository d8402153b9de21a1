"""Running the provider's ASGI app with uvicorn (`idp serve`, `idp demo`)."""

from __future__ import annotations

import os
import tempfile

import uvicorn

from idp.app import create_app
from idp.bootstrap import build_components
from idp.logs import logging_config
from idp.ops.exposition import MULTIPROCESS_ENV
from idp.settings import Settings
from idp.startup import hold_server_lock

APP_FACTORY = "idp.app:create_app_from_environment"
WORKER_HEALTHCHECK_SECONDS = 30


def _run_uvicorn(target: object, settings: Settings, host: str, port: int, workers: int) -> None:
    uvicorn.run(
        target,  # type: ignore[arg-type]  # an app, or the import string of its factory
        factory=isinstance(target, str),
        host=host,
        port=port,
        workers=workers,
        log_config=logging_config(settings.log_level),
        log_level=settings.log_level,
        access_log=False,  # query strings carry codes and hints; see idp.http.access_log
        proxy_headers=True,
        server_header=False,
        # uvicorn kills a worker that does not answer its supervisor's ping in time; a worker
        # building its components on a loaded machine can take longer than the default 5 s.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Several processes: check the configuration once here (the same checks each worker
    makes), then let uvicorn start the workers, counting metrics across them. Each worker
    reads its settings from the environment again (`APP_FACTORY`), so they must be there."""
    build_components(settings).engine.dispose()
    if os.environ.get(MULTIPROCESS_ENV):
        _run_uvicorn(APP_FACTORY, settings, host, port, workers)
        return
    with tempfile.TemporaryDirectory(prefix="idp-metrics-") as folder:
        os.environ[MULTIPROCESS_ENV] = folder  # read by each worker at import
        _run_uvicorn(APP_FACTORY, settings, host, port, workers)


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Serve until a signal asks to stop."""
    if workers > 1:
        _serve_workers(settings, host, port, workers)
        return
    # The embedded data folder is held for the server's life (idp.startup).
    lock = hold_server_lock(settings.data_dir) if settings.is_embedded_database else None
    try:
        _run_uvicorn(create_app(settings), settings, host, port, 1)
    finally:
        if lock is not None:
            lock.release()
