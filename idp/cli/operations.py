"""`idp db`, `idp outbox`, `idp audit`: the database schema, messages to portals, the
audit chain."""

from __future__ import annotations

import httpx
import typer

from consent import verify_audit_chain
from idp.bootstrap import database_limits
from idp.cli.output import JsonOption, components, emit, load_settings
from idp.db import create_db_engine, unit_of_work
from idp.migrations.runner import upgrade_database
from idp.outbox.service import deliver_due

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
outbox = typer.Typer(help="Messages to portals (back-channel logout...).", no_args_is_help=True)
audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Apply every migration to the configured database."""
    settings = load_settings()
    if settings.is_embedded_database:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url, database_limits(settings))
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    emit({"status": "upgraded"}, as_json, "database is at the newest revision")


@outbox.command("deliver")
def outbox_deliver(as_json: JsonOption = False) -> None:
    """Deliver the messages that are due now (the server also does this every second)."""
    with components() as parts, httpx.Client() as http:
        delivered = deliver_due(parts.session_factory, http, parts.clock.now())
    emit({"delivered": delivered}, as_json, f"{delivered} delivered")


@audit.command("verify")
def audit_verify(as_json: JsonOption = False) -> None:
    """Recompute the chain; exit 1 and name the entry when one was changed or deleted."""
    with components() as parts, unit_of_work(parts.session_factory) as db:
        check = verify_audit_chain(db)
    data = {
        "ok": check.ok,
        "entries": check.entries,
        "broken_at": check.broken_at,
        "reason": check.reason,
    }
    text = (
        f"audit log intact ({check.entries} entries)"
        if check.ok
        else f"audit log BROKEN at entry {check.broken_at}: {check.reason}"
    )
    emit(data, as_json, text)
    if not check.ok:
        raise typer.Exit(code=1)
