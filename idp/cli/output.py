"""What every command shares: the settings, the components, JSON or text output, failure.

Every command reads the same `Settings` as `idp serve` (environment, `IDP_` prefix), so
it works against the running service's database, the embedded SQLite file included
(WAL mode lets both write), and calls the same services inside its own unit of work.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from adapters import MailError, StoreUnavailable
from idp.bootstrap import Components, build_components
from idp.settings import Settings, SettingsError
from idp.startup import StartupRefused

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def load_settings() -> Settings:
    return Settings()


@contextmanager
def components(settings: Settings | None = None) -> Iterator[Components]:
    """The service's components for one command; the database pool is closed after."""
    built = build_components(settings or load_settings())
    try:
        yield built
    finally:
        built.engine.dispose()


def emit(data: dict[str, Any] | list[dict[str, Any]], as_json: bool, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        typer.echo(text)


def fail(field: str, message: str, as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"error": "invalid_input", "field": field, "message": message}))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


# What stops a command before it does anything: said in one line, never a traceback.
REFUSALS = (StartupRefused, SettingsError, ValidationError)


def _refusal_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        problems = [
            f"IDP_{str(e['loc'][0]).upper() if e['loc'] else '?'}: {e['msg']}"
            for e in error.errors()
        ]
        return "invalid settings: " + "; ".join(problems)
    return str(error)


def refuse(error: Exception, *, debug: bool) -> NoReturn:
    """Print why the command cannot start (one line, exit code 2; the traceback in debug)."""
    if debug:
        traceback.print_exception(error)
    typer.echo(f"error: {_refusal_text(error)}", err=True)
    raise SystemExit(2)


# What stops a command midway: a dependency that stopped answering, said in one line.
UNAVAILABLE = (DBAPIError, PoolTimeout, StoreUnavailable, MailError)


def _unavailable_text(error: Exception) -> str:
    if isinstance(error, MailError):
        return str(error)
    if isinstance(error, StoreUnavailable):
        return f"IDP_REDIS_URL: the store did not answer ({error})"
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"IDP_DATABASE_URL: the database did not answer ({first_line})"


def stopped(error: Exception, *, debug: bool) -> NoReturn:
    """Print which dependency stopped the command midway (one line, exit code 1)."""
    if debug:
        traceback.print_exception(error)
    typer.echo(f"error: {_unavailable_text(error)}", err=True)
    raise SystemExit(1)


@contextmanager
def mailing_after(saved: str) -> Iterator[None]:
    """Mail sent once `saved` has committed: a refusal says that it is saved all the same."""
    try:
        yield
    except MailError as error:
        raise MailError(f"{saved} is saved but its mail was not sent: {error}") from None
