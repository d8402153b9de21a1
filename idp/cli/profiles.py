"""`idp portals sync`: register or update every portal profile as a client.

Prints what changed, one line per portal (`created`, `updated` with the fields, or
`unchanged`), or JSON with `--json`. New client secrets are shown once, in the output or
in the `--secrets-out` file (created with mode 0600; secrets already in it are kept), and
never generated again for an existing client. `--dry-run` checks and compares without
writing anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from adapters.portals import ProfileError, load_portal_profiles
from idp.cli.output import JsonOption, components, emit, fail
from idp.clients.sync import SyncAction, SyncResult, sync_portal_profiles
from idp.db import unit_of_work
from idp.errors import Conflict, InvalidInput

app = typer.Typer(help="Portal profiles (one TOML file per portal).", no_args_is_help=True)
SECRETS_FILE_MODE = 0o600


@app.command("sync")
def sync(
    folder: Annotated[
        Path | None,
        typer.Option(help="Folder of <slug>.toml profiles (default: IDP_PORTAL_PROFILES_DIR)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    secrets_out: Annotated[
        Path | None,
        typer.Option(help="Write new client secrets to this file (mode 0600), not the output."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register or update every portal profile's client; print what changed."""
    with components() as parts:
        try:
            profiles = load_portal_profiles(folder or parts.settings.portal_profiles_dir)
            with unit_of_work(parts.session_factory) as db:
                results = sync_portal_profiles(db, profiles, parts.clock.now(), dry_run=dry_run)
        except ProfileError as error:
            fail(error.field, str(error), as_json)
        except InvalidInput as error:
            fail(error.field, error.message, as_json)
        except Conflict as error:
            fail("name", error.message, as_json)
    if secrets_out is not None:
        _write_secrets(secrets_out, results)
    shown = secrets_out is None
    data = {"dry_run": dry_run, "portals": [_as_json(r, shown) for r in results]}
    emit(data, as_json, _as_text(results, dry_run, shown))


def _as_json(result: SyncResult, show_secret: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "slug": result.slug,
        "action": result.action.value,
        "client_id": result.client_id,
        "name": result.name,
        "changed": list(result.changed),
    }
    if result.client_secret is not None and show_secret:
        data["client_secret"] = result.client_secret
    return data


def _as_text(results: list[SyncResult], dry_run: bool, show_secret: bool) -> str:
    lines = []
    for result in results:
        line = f"{result.action.value:<9} {result.slug}"
        if result.action is SyncAction.CREATED:
            line += f"  client_id: {result.client_id or '(on a real run)'}"
        if result.changed:
            line += "  changed: " + ", ".join(result.changed)
        if result.client_secret is not None and show_secret:
            line += f"\n          client_secret: {result.client_secret}  (shown once)"
        lines.append(line)
    counts = {a: sum(r.action is a for r in results) for a in SyncAction}
    summary = ", ".join(f"{counts[a]} {a.value}" for a in SyncAction)
    prefix = "dry run, nothing written: " if dry_run else ""
    lines.append(f"{prefix}{len(results)} portals: {summary}")
    return "\n".join(lines)


def _write_secrets(path: Path, results: list[SyncResult]) -> None:
    """Add the new secrets to `path` (JSON: slug → client_id and client_secret), 0600."""
    new = {
        r.slug: {"client_id": r.client_id, "client_secret": r.client_secret}
        for r in results
        if r.client_secret is not None
    }
    if not new:
        return
    kept: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, SECRETS_FILE_MODE)
    os.fchmod(descriptor, SECRETS_FILE_MODE)  # an existing file keeps no wider mode
    with os.fdopen(descriptor, "w") as handle:
        json.dump(kept | new, handle, indent=2, sort_keys=True)
        handle.write("\n")
