"""The `idp` command for operators: serve, database, keys, users, clients.

Every command reads the same `Settings` as `idp serve` (environment, `IDP_` prefix), so
it works against the running service's database, the embedded SQLite file included
(WAL mode lets both write). `--json` prints machine-readable output.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session, sessionmaker

from idp.settings import Settings

app = typer.Typer(
    help="Passerelle operators' command line.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys and the master key.", no_args_is_help=True)
users_app = typer.Typer(help="People's accounts.", no_args_is_help=True)
clients_app = typer.Typer(help="Portals (OIDC clients).", no_args_is_help=True)
invitations_app = typer.Typer(help="Invitations sent by officers.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
representatives_app = typer.Typer(help="Representatives (officers' actions).", no_args_is_help=True)
outbox_app = typer.Typer(help="Messages to portals (back-channel logout...).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(invitations_app, name="invitations")
app.add_typer(outbox_app, name="outbox")
app.add_typer(audit_app, name="audit")
app.add_typer(representatives_app, name="representatives")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
KNOWN_ROLES = ("officer", "representative")


def _settings() -> Settings:
    return Settings()


def _emit(data: dict[str, Any] | list[dict[str, Any]], as_json: bool, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        typer.echo(text)


def _fail(field: str, message: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": "invalid_input", "field": field, "message": message}))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the provider (embedded defaults: SQLite file, in-process store)."""
    import uvicorn

    from idp.app import create_app

    settings = _settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    application = create_app(settings)
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level=settings.log_level,
        proxy_headers=True,
        server_header=False,
    )


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Add a sample portal and applicant, print how to try sign-in, then serve."""
    from idp.cli.demo import seed_demo

    settings = _settings()
    logging.basicConfig(level="INFO", format="%(levelname)s %(name)s %(message)s")
    for line in seed_demo(settings, port):
        typer.echo(line)
    serve(host=host, port=port)


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOption = False) -> None:
    """Apply every migration to the configured database."""
    from idp.db import create_db_engine
    from idp.migrations.runner import upgrade_database

    settings = _settings()
    if settings.is_embedded_database:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    _emit({"status": "upgraded"}, as_json, "database is at the newest revision")


@keys_app.command("master")
def keys_master(as_json: JsonOption = False) -> None:
    """Print a new random master key for IDP_MASTER_KEY."""
    from keys import MasterKey

    key = MasterKey.generate().to_b64url()
    _emit({"master_key": key}, as_json, key)


@keys_app.command("rotate")
def keys_rotate(
    min_published_seconds: Annotated[
        int,
        typer.Option(
            min=0,
            help="Promote a next key only once it has been published this long "
            "(the JWKS cache time).",
        ),
    ] = 300,
    as_json: JsonOption = False,
) -> None:
    """Promote the published next keys, retire the current ones, publish new next keys."""
    from idp.bootstrap import load_master_key, signing_algs
    from idp.clock import SystemClock
    from idp.db import transaction
    from keys import RotationTooEarly, prune_retired_keys, rotate_signing_keys

    settings = _settings()
    master = load_master_key(settings)
    # A retired key stays verifiable until every token it signed has expired.
    retire_after = max(settings.access_token_ttl_seconds, settings.id_token_ttl_seconds) + 300
    try:
        with _database(settings) as factory, transaction(factory) as db:
            now = SystemClock().now()
            pruned = prune_retired_keys(db, now)
            kids = rotate_signing_keys(
                db,
                master,
                signing_algs(settings),
                now,
                retire_after,
                min_published_seconds=min_published_seconds,
            )
    except RotationTooEarly as error:
        _fail("min_published_seconds", error.message, as_json)
        return
    _emit(
        {"current_kids": kids, "pruned": pruned},
        as_json,
        f"rotated; current keys: {', '.join(kids)}",
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Email address (sign-in name).")],
    password: Annotated[str, typer.Option(help="Initial password.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    locale: Annotated[str, typer.Option(help="en or fr.")] = "en",
    role: Annotated[list[str] | None, typer.Option("--role", help="officer (repeatable).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account with a verified email."""
    from idp.accounts.service import create_account
    from idp.authn.password import PasswordPolicy, Passwords
    from idp.clock import SystemClock
    from idp.db import transaction
    from idp.errors import IdpError, InvalidInput

    settings = _settings()
    passwords = Passwords(
        PasswordPolicy(
            settings.password_hash_memory_kib,
            settings.password_hash_time_cost,
            settings.password_hash_parallelism,
        )
    )
    try:
        with _database(settings) as factory, transaction(factory) as db:
            account = create_account(
                db,
                passwords,
                email=email,
                password=password,
                name=name,
                now=SystemClock().now(),
                email_verified=True,
                locale=locale,
            )
            unknown = [r for r in role or [] if r not in KNOWN_ROLES]
            if unknown:
                raise InvalidInput("role", f"role must be one of {', '.join(KNOWN_ROLES)}")
            account.roles = list(role or [])
            data = {"id": account.id, "sub": account.subject, "email": account.email}
    except InvalidInput as error:
        _fail(error.field, error.message, as_json)
    except IdpError as error:
        _fail("email", error.message, as_json)
    _emit(data, as_json, f"created account {data['email']} (sub {data['sub']})")


@contextmanager
def _database(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A session factory on the configured database (migrated first in embedded mode)."""
    from idp.bootstrap import prepare_database
    from idp.db import create_session_factory

    engine = prepare_database(settings)
    try:
        yield create_session_factory(engine)
    finally:
        engine.dispose()


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Option(help="Portal name shown to people.")],
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="Repeatable.")
    ] = None,
    post_logout_redirect_uri: Annotated[
        list[str] | None, typer.Option("--post-logout-redirect-uri", help="Repeatable.")
    ] = None,
    grant_type: Annotated[
        list[str] | None, typer.Option("--grant-type", help="Repeatable.")
    ] = None,
    auth_method: Annotated[
        str, typer.Option(help="client_secret_basic | client_secret_post | private_key_jwt | none")
    ] = "client_secret_basic",
    first_party: Annotated[
        bool, typer.Option("--first-party", help="Skip the consent page.")
    ] = False,
    jwks: Annotated[Path | None, typer.Option(help="JWKS file (private_key_jwt).")] = None,
    id_token_alg: Annotated[str | None, typer.Option(help="id_token_signed_response_alg.")] = None,
    backchannel_logout_uri: Annotated[
        str | None, typer.Option(help="Where logout tokens are posted (Back-Channel Logout).")
    ] = None,
    events_uri: Annotated[
        str | None, typer.Option(help="Where delegation events (RFC 8417 SETs) are posted.")
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Allowed scopes, space-separated (e.g. applications:write).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a portal; prints client_id and client_secret (shown once)."""
    from idp.clock import SystemClock
    from idp.db import transaction
    from idp.errors import IdpError, InvalidInput
    from idp.oauth.clients import create_client

    settings = _settings()
    jwks_doc = None
    if jwks is not None:
        try:
            jwks_doc = json.loads(jwks.read_text())
        except (OSError, ValueError) as error:
            _fail("jwks", f"cannot read the JWKS file: {error}", as_json)
    try:
        with _database(settings) as factory, transaction(factory) as db:
            client, secret = create_client(
                db,
                name=name,
                redirect_uris=redirect_uri or [],
                post_logout_redirect_uris=post_logout_redirect_uri or [],
                grant_types=grant_type or ["authorization_code", "refresh_token"],
                auth_method=auth_method,
                first_party=first_party,
                jwks=jwks_doc,
                id_token_signed_response_alg=id_token_alg,
                backchannel_logout_uri=backchannel_logout_uri,
                events_uri=events_uri,
                **({"scope": scope} if scope else {}),
                now=SystemClock().now(),
            )
    except InvalidInput as error:
        _fail(error.field, error.message, as_json)
    except IdpError as error:
        _fail("name", error.message, as_json)
    data = {"client_id": client.client_id, "client_secret": secret, "name": client.name}
    _emit(data, as_json, f"client_id: {client.client_id}\nclient_secret: {secret or '(none)'}")


@clients_app.command("list")
def clients_list(as_json: JsonOption = False) -> None:
    """List registered portals."""
    from idp.db import transaction
    from idp.oauth.clients import list_clients

    settings = _settings()
    with _database(settings) as factory, transaction(factory) as db:
        clients = [
            {
                "client_id": c.client_id,
                "name": c.name,
                "auth_method": c.token_endpoint_auth_method,
                "grant_types": list(c.grant_types),
                "redirect_uris": list(c.redirect_uris),
                "post_logout_redirect_uris": list(c.post_logout_redirect_uris),
                "first_party": c.first_party,
            }
            for c in list_clients(db)
        ]
    text = "\n".join(f"{c['client_id']}  {c['name']}  {c['auth_method']}" for c in clients)
    _emit(clients, as_json, text or "no clients")


@invitations_app.command("create")
def invitations_create(
    email: Annotated[str, typer.Option(help="The invitee's email address.")],
    name: Annotated[str, typer.Option(help="The invitee's full name.")] = "",
    locale: Annotated[str, typer.Option(help="Language of the invitation: en or fr.")] = "en",
    as_json: JsonOption = False,
) -> None:
    """Invite a person: they get a single-use link to create their account."""
    from idp.bootstrap import build_runtime
    from idp.errors import IdpError, InvalidInput
    from idp.officer.routes import send_invitation

    settings = _settings()
    runtime = build_runtime(settings)
    try:
        to = send_invitation(
            runtime,
            email=email,
            name=name,
            locale="fr" if locale == "fr" else "en",
            invited_by=None,
        )
    except InvalidInput as error:
        _fail(error.field, error.message, as_json)
    except IdpError as error:
        _fail("email", error.message, as_json)
    finally:
        runtime.engine.dispose()
    _emit({"email": to, "status": "sent"}, as_json, f"invitation sent to {to}")


@outbox_app.command("deliver")
def outbox_deliver(as_json: JsonOption = False) -> None:
    """Deliver the messages that are due now (the server also does this every second)."""
    from idp.bootstrap import build_runtime
    from idp.outbox.dispatcher import OutboxDispatcher

    runtime = build_runtime(_settings())
    try:
        delivered = OutboxDispatcher(runtime).deliver_now()
    finally:
        runtime.engine.dispose()
    _emit({"delivered": delivered}, as_json, f"{delivered} delivered")


@audit_app.command("verify")
def audit_verify(as_json: JsonOption = False) -> None:
    """Recompute the chain; exit 1 and name the entry when one was changed or deleted."""
    from consent import verify_audit_chain
    from idp.db import transaction

    with _database(_settings()) as factory, transaction(factory) as db:
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
    _emit(data, as_json, text)
    if not check.ok:
        raise typer.Exit(code=1)


ReasonOption = Annotated[str, typer.Option(help="Why (kept in the audit log).")]


@representatives_app.command("suspend")
def representatives_suspend(
    email: Annotated[str, typer.Option(help="The representative's email.")],
    reason: ReasonOption = "",
    as_json: JsonOption = False,
) -> None:
    """Suspend a representative: every delegation to them, pending ones included, stops at
    once, and they can take none until reinstated."""
    from idp.console.delegations import suspend_representative

    count = _representative_step(email, as_json, suspend_representative, reason)
    _emit({"suspended_delegations": count}, as_json, f"{count} delegations suspended")


@representatives_app.command("reinstate")
def representatives_reinstate(
    email: Annotated[str, typer.Option(help="The representative's email.")],
    reason: ReasonOption = "",
    as_json: JsonOption = False,
) -> None:
    """End a representative's suspension: what it stopped is restored."""
    from idp.console.delegations import reinstate_representative

    count = _representative_step(email, as_json, reinstate_representative, reason)
    _emit({"reinstated_delegations": count}, as_json, f"{count} delegations reinstated")


def _representative_step(email: str, as_json: bool, step: Any, reason: str) -> int:
    from idp.accounts.service import find_account_by_email
    from idp.bootstrap import build_runtime

    runtime = build_runtime(_settings())
    try:
        with runtime.transaction() as db:
            account = find_account_by_email(db, email)
            if account is None:
                _fail("email", "no account with this email", as_json)
                return 0
            return len(step(runtime, db, account.subject, "officer", reason))
    finally:
        runtime.engine.dispose()


def main() -> None:
    app()
