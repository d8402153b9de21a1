"""`idp clients`: portals as OAuth clients (registration and listing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from idp.cli.output import JsonOption, components, emit, fail
from idp.clients.service import create_client, list_clients
from idp.db import unit_of_work
from idp.errors import IdpError, InvalidInput

app = typer.Typer(help="Portals (OIDC clients).", no_args_is_help=True)


def _read_jwks(path: Path | None, as_json: bool) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        document: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        fail("jwks", f"cannot read the JWKS file: {error}", as_json)
    return document


@app.command("create")
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
    jwks: Annotated[
        Path | None,
        typer.Option(help="Public JWKS file: private_key_jwt and signed request objects."),
    ] = None,
    id_token_alg: Annotated[str | None, typer.Option(help="id_token_signed_response_alg.")] = None,
    backchannel_logout_uri: Annotated[
        str | None, typer.Option(help="Where logout tokens are posted (Back-Channel Logout).")
    ] = None,
    events_uri: Annotated[
        str | None, typer.Option(help="Where delegation events (RFC 8417 SETs) are posted.")
    ] = None,
    frontchannel_logout_uri: Annotated[
        str | None,
        typer.Option(help="Framed by the signed-out page (Front-Channel Logout 1.0)."),
    ] = None,
    frontchannel_logout_session_required: Annotated[
        bool,
        typer.Option("--frontchannel-logout-session-required", help="Add iss and sid to that URI."),
    ] = False,
    require_pushed_authorization_requests: Annotated[
        bool,
        typer.Option(
            "--require-pushed-authorization-requests",
            help="Accept only requests pushed to /par (RFC 9126 section 6).",
        ),
    ] = False,
    scope: Annotated[
        str | None, typer.Option(help="Allowed scopes, space-separated (e.g. applications:write).")
    ] = None,
    subject_type: Annotated[
        str, typer.Option(help="public | pairwise: the sub it receives (OIDC Core section 8).")
    ] = "public",
    sector_identifier: Annotated[
        str | None,
        typer.Option(help="Pairwise sector host (default: the host of its redirect URIs)."),
    ] = None,
    application_type: Annotated[
        str,
        typer.Option(
            help="web | native: a native app's loopback redirect URIs take any port, and it may "
            "register private-use schemes such as com.example.app:/callback (RFC 8252)."
        ),
    ] = "web",
    as_json: JsonOption = False,
) -> None:
    """Register a portal; prints client_id and client_secret (shown once)."""
    jwks_doc = _read_jwks(jwks, as_json)
    try:
        with components() as parts, unit_of_work(parts.session_factory) as db:
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
                subject_type=subject_type,
                sector_identifier=sector_identifier,
                frontchannel_logout_uri=frontchannel_logout_uri,
                frontchannel_logout_session_required=frontchannel_logout_session_required,
                require_pushed_authorization_requests=require_pushed_authorization_requests,
                application_type=application_type,
                **({"scope": scope} if scope else {}),
                now=parts.clock.now(),
            )
    except InvalidInput as error:
        fail(error.field, error.message, as_json)
    except IdpError as error:
        fail("name", error.message, as_json)
    data = {"client_id": client.client_id, "client_secret": secret, "name": client.name}
    emit(data, as_json, f"client_id: {client.client_id}\nclient_secret: {secret or '(none)'}")


@app.command("list")
def clients_list(as_json: JsonOption = False) -> None:
    """List registered portals."""
    with components() as parts, unit_of_work(parts.session_factory) as db:
        clients = [
            {
                "client_id": c.client_id,
                "name": c.name,
                "auth_method": c.token_endpoint_auth_method,
                "grant_types": list(c.grant_types),
                "redirect_uris": list(c.redirect_uris),
                "post_logout_redirect_uris": list(c.post_logout_redirect_uris),
                "first_party": c.first_party,
                "subject_type": c.subject_type,
                "sector_identifier": c.sector_identifier,
                "application_type": c.application_type,
                "profile": c.profile_slug,
                "frontchannel_logout_uri": c.frontchannel_logout_uri,
                "frontchannel_logout_session_required": c.frontchannel_logout_session_required,
                "require_pushed_authorization_requests": c.require_pushed_authorization_requests,
            }
            for c in list_clients(db)
        ]
    text = "\n".join(f"{c['client_id']}  {c['name']}  {c['auth_method']}" for c in clients)
    emit(clients, as_json, text or "no clients")
