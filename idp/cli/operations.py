"""`idp db`, `idp outbox`, `idp audit`: the database schema, messages to portals, the
audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from consent import verify_audit_chain
from idp.bootstrap import database_limits, prepare_database
from idp.cli.output import JsonOption, components, emit, fail, load_settings
from idp.db import unit_of_work
from idp.errors import NotFound
from idp.migrations.runner import upgrade_database
from idp.outbox.dispatcher import OutboxDispatcher
from idp.outbox.models import OutboxMessage
from idp.outbox.service import dead_letters, replay
from idp.startup import open_database

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
outbox = typer.Typer(help="Messages to portals (back-channel logout...).", no_args_is_help=True)
audit = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Apply every migration to the configured database."""
    settings = load_settings()
    if settings.is_embedded_database:
        prepare_database(settings).dispose()  # migrates under the data folder's lock
    else:
        engine = open_database(settings.resolved_database_url, database_limits(settings))
        try:
            upgrade_database(engine)
        finally:
            engine.dispose()
    emit({"status": "upgraded"}, as_json, "database is at the newest revision")


@outbox.command("deliver")
def outbox_deliver(as_json: JsonOption = False) -> None:
    """Deliver the messages that are due now (the server also does this every second)."""
    with components() as parts:
        dispatcher = OutboxDispatcher(
            parts.session_factory, parts.clock, parts.keyring, parts.settings.outbox_poll_seconds
        )
        try:
            delivered = dispatcher.deliver_now()
        finally:
            dispatcher.stop()
    emit({"delivered": delivered}, as_json, f"{delivered} delivered")


def _dead_letter_view(message: OutboxMessage) -> dict[str, object]:
    return {
        "id": message.id,
        "kind": message.kind,
        "destination": message.destination or message.url,
        "url": message.url,
        "event_id": message.event_id,
        "created_at": message.created_at.isoformat(),
        "dead_at": message.dead_at.isoformat() if message.dead_at else None,
        "attempts": message.attempts,
        "last_error": message.last_error,
    }


@outbox.command("dead-letters")
def outbox_dead_letters(as_json: JsonOption = False) -> None:
    """List the messages that ran out of attempts (replay one with `idp outbox replay ID`)."""
    with components() as parts, unit_of_work(parts.session_factory) as db:
        rows = [_dead_letter_view(m) for m in dead_letters(db)]
    text = "\n".join(
        f"{r['id']}  {r['kind']}  {r['destination']}  dead {r['dead_at']}  "
        f"after {r['attempts']} attempts: {r['last_error']}"
        for r in rows
    )
    emit(rows, as_json, text or "no dead letters")


@outbox.command("replay")
def outbox_replay(
    message_id: Annotated[str, typer.Argument(help="The dead letter's id.")],
    as_json: JsonOption = False,
) -> None:
    """Send a dead letter again (same event id), with a fresh budget of attempts."""
    try:
        with components() as parts, unit_of_work(parts.session_factory) as db:
            message = replay(db, message_id, parts.clock.now())
            data = {"id": message.id, "status": "waiting", "event_id": message.event_id}
    except NotFound as error:
        fail("id", error.message, as_json)
    emit(data, as_json, f"{data['id']} will be sent again")


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
