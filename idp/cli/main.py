"""The `idp` command for operators: serve, demo, and the command groups of `idp/cli/`.

- `output.py`: settings, components, JSON or text output (shared by every command).
- `keys.py`, `accounts.py`, `portals.py` (clients), `profiles.py` (`idp portals sync`),
  `operations.py`: the command groups.
- `demo.py`: what `idp demo` seeds.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn

from idp.cli import accounts, keys, operations, portals, profiles
from idp.cli.demo import seed_demo
from idp.cli.output import fail, load_settings

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
APP_FACTORY = "idp.app:create_app_from_environment"


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


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Add a sample portal and applicant, print how to try sign-in, then serve."""
    settings = load_settings()
    logging.basicConfig(level="INFO", format="%(levelname)s %(name)s %(message)s")
    for line in seed_demo(settings, port):
        typer.echo(line)
    serve(host=host, port=port, workers=1)


def main() -> None:
    app()
