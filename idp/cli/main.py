"""The `idp` command for operators: serve, demo, and the command groups of `idp/cli/`.

- `output.py`: settings, components, JSON or text output (shared by every command).
- `keys.py`, `accounts.py`, `portals.py`, `operations.py`: the command groups.
- `demo.py`: what `idp demo` seeds.
"""

from __future__ import annotations

import logging
import logging.config
import os
import tempfile
from typing import Annotated

import typer
import uvicorn

from idp.app import create_app
from idp.bootstrap import build_components
from idp.cli import accounts, keys, operations, portals
from idp.cli.demo import seed_demo
from idp.cli.output import REFUSALS, fail, load_settings, refuse
from idp.logs import LOG_LEVELS, logging_config
from idp.ops.exposition import MULTIPROCESS_ENV
from idp.settings import Settings
from idp.startup import hold_server_lock

app = typer.Typer(
    help="Passerelle operators' command line.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(operations.db_app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(accounts.users, name="users")
app.add_typer(portals.app, name="clients")
app.add_typer(accounts.invitations, name="invitations")
app.add_typer(operations.outbox, name="outbox")
app.add_typer(operations.audit, name="audit")
app.add_typer(accounts.representatives, name="representatives")
APP_FACTORY = "idp.app:create_app_from_environment"


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
    )


def _serve_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """Several processes: check the configuration once here (the same checks each worker
    makes), then let uvicorn start the workers, counting metrics across them."""
    build_components(settings).engine.dispose()
    if os.environ.get(MULTIPROCESS_ENV):
        _run_uvicorn(APP_FACTORY, settings, host, port, workers)
        return
    with tempfile.TemporaryDirectory(prefix="idp-metrics-") as folder:
        os.environ[MULTIPROCESS_ENV] = folder  # read by each worker at import
        _run_uvicorn(APP_FACTORY, settings, host, port, workers)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes (PostgreSQL + Redis only).")
    ] = 1,
) -> None:
    """Serve the provider (embedded defaults: SQLite file, in-process store, one process)."""
    settings = load_settings()
    if workers > 1 and (settings.is_embedded_database or not settings.redis_url):
        fail(
            "workers",
            "--workers above 1 needs IDP_DATABASE_URL (PostgreSQL) and IDP_REDIS_URL: the "
            "embedded defaults are one process",
            False,
        )
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


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Add a sample portal and applicant, print how to try sign-in, then serve."""
    settings = load_settings()
    for line in seed_demo(settings, port):
        typer.echo(line)
    serve(host=host, port=port, workers=1)


def main() -> None:
    """The `idp` command. What stops startup is one line on stderr and exit code 2;
    `IDP_LOG_LEVEL=debug` adds the traceback."""
    level = os.environ.get("IDP_LOG_LEVEL", "info").lower()
    logging.config.dictConfig(logging_config(level if level in LOG_LEVELS else "info"))
    try:
        app()
    except REFUSALS as error:
        refuse(error, debug=level == "debug")
