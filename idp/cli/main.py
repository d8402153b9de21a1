"""The `idp` command for operators: serve, demo, and the command groups of `idp/cli/`.

- `output.py`: settings, components, JSON or text output (shared by every command).
- `keys.py`, `accounts.py`, `portals.py` (clients), `profiles.py` (`idp portals sync`),
  `operations.py`, `legacy.py`: the command groups.
- `demo.py`: `idp demo` (what it seeds and starts lives in `idp/demo/`).
- `serving.py`: running the app with uvicorn.
"""

from __future__ import annotations

import logging.config
import os
from typing import Annotated

import typer

from idp.cli import accounts, keys, legacy, operations, portals, profiles
from idp.cli.demo import demo
from idp.cli.output import REFUSALS, UNAVAILABLE, fail, load_settings, refuse, stopped
from idp.cli.serving import run_server
from idp.logs import LOG_LEVELS, logging_config

app = typer.Typer(
    help="Passerelle operators' command line.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(operations.db_app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(accounts.users, name="users")
app.add_typer(portals.app, name="clients")
app.add_typer(profiles.app, name="portals")
app.add_typer(accounts.invitations, name="invitations")
app.add_typer(operations.outbox, name="outbox")
app.add_typer(operations.audit, name="audit")
app.add_typer(accounts.representatives, name="representatives")
app.add_typer(legacy.app, name="legacy")
app.command()(demo)


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
    run_server(settings, host=host, port=port, workers=workers)


def main() -> None:
    """The `idp` command. What stops startup is one line on stderr and exit code 2; a
    dependency that stops answering midway (database, store, mail server) is one line and
    exit code 1; `IDP_LOG_LEVEL=debug` adds the traceback."""
    level = os.environ.get("IDP_LOG_LEVEL", "info").lower()
    logging.config.dictConfig(logging_config(level if level in LOG_LEVELS else "info"))
    try:
        app()
    except REFUSALS as error:
        refuse(error, debug=level == "debug")
    except UNAVAILABLE as error:
        stopped(error, debug=level == "debug")
