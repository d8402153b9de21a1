"""`idp keys`: the master key and the rotation of signing keys."""

from __future__ import annotations

from typing import Annotated

import typer

from idp.bootstrap import signing_algs
from idp.cli.output import JsonOption, components, emit, fail
from idp.db import unit_of_work
from idp.oidc.jwks import JWKS_CACHE_SECONDS
from keys import MasterKey, RotationTooEarly, prune_retired_keys, rotate_signing_keys

app = typer.Typer(help="Signing keys and the master key.", no_args_is_help=True)
# A retired key stays verifiable until every token it signed has expired.
RETIREMENT_MARGIN_SECONDS = 300


@app.command("master")
def keys_master(as_json: JsonOption = False) -> None:
    """Print a new random master key for IDP_MASTER_KEY."""
    key = MasterKey.generate().to_b64url()
    emit({"master_key": key}, as_json, key)


@app.command("rotate")
def keys_rotate(
    min_published_seconds: Annotated[
        int,
        typer.Option(
            min=0,
            help="Promote a next key only once it has been published this long "
            "(the JWKS cache time).",
        ),
    ] = JWKS_CACHE_SECONDS,
    as_json: JsonOption = False,
) -> None:
    """Promote the published next keys, retire the current ones, publish new next keys."""
    try:
        with components() as parts, unit_of_work(parts.session_factory) as db:
            settings, now = parts.settings, parts.clock.now()
            retire_after = (
                max(settings.access_token_ttl_seconds, settings.id_token_ttl_seconds)
                + RETIREMENT_MARGIN_SECONDS
            )
            pruned = prune_retired_keys(db, now)
            kids = rotate_signing_keys(
                db,
                parts.master_key,
                signing_algs(settings),
                now,
                retire_after,
                min_published_seconds=min_published_seconds,
            )
    except RotationTooEarly as error:
        fail("min_published_seconds", error.message, as_json)
    emit(
        {"current_kids": kids, "pruned": pruned},
        as_json,
        f"rotated; current keys: {', '.join(kids)}",
    )
