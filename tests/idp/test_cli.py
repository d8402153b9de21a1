"""The operators' CLI against the same configuration as `idp serve`."""

from __future__ import annotations

import json
import time

from idp.cli.main import app
from idp.outbox.models import OutboxMessage
from idp.outbox.service import enqueue
from tests.factories.idp import transaction


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_users_create_prints_the_new_account(cli_env):
    data = _json(
        cli_env.invoke(
            app,
            [
                "users",
                "create",
                "--email",
                "Ana@Example.ca",
                "--password",
                "long enough password",
                "--name",
                "Ana",
                "--json",
            ],
        )
    )
    assert data["email"] == "ana@example.ca"
    assert data["sub"]


def test_users_create_refuses_a_duplicate_email(cli_env):
    args = [
        "users",
        "create",
        "--email",
        "dup@example.ca",
        "--password",
        "long enough password",
        "--name",
        "Dup",
        "--json",
    ]
    _json(cli_env.invoke(app, args))
    result = cli_env.invoke(app, args)
    assert result.exit_code == 2
    assert json.loads(result.output)["field"] == "email"


def test_users_create_names_the_short_password(cli_env):
    result = cli_env.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "s@example.ca",
            "--password",
            "short",
            "--name",
            "S",
            "--json",
        ],
    )
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert error["field"] == "password"
    assert "12" in error["message"]


def test_clients_create_then_list(cli_env):
    created = _json(
        cli_env.invoke(
            app,
            [
                "clients",
                "create",
                "--name",
                "IRCC Portal",
                "--redirect-uri",
                "https://ircc.example/cb",
                "--redirect-uri",
                "https://ircc.example/cb2",
                "--post-logout-redirect-uri",
                "https://ircc.example/bye",
                "--grant-type",
                "authorization_code",
                "--grant-type",
                "refresh_token",
                "--auth-method",
                "client_secret_post",
                "--first-party",
                "--json",
            ],
        )
    )
    assert created["client_id"]
    assert created["client_secret"]
    listed = _json(cli_env.invoke(app, ["clients", "list", "--json"]))
    entry = next(c for c in listed if c["client_id"] == created["client_id"])
    assert entry["redirect_uris"] == ["https://ircc.example/cb", "https://ircc.example/cb2"]
    assert entry["auth_method"] == "client_secret_post"
    assert entry["first_party"] is True
    assert "client_secret" not in entry


def test_public_client_has_no_secret(cli_env):
    created = _json(
        cli_env.invoke(
            app,
            [
                "clients",
                "create",
                "--name",
                "SPA",
                "--redirect-uri",
                "http://127.0.0.1:5000/cb",
                "--auth-method",
                "none",
                "--json",
            ],
        )
    )
    assert created["client_secret"] is None


def test_clients_create_refuses_a_non_https_redirect(cli_env):
    result = cli_env.invoke(
        app,
        [
            "clients",
            "create",
            "--name",
            "Bad",
            "--redirect-uri",
            "http://portal.example/cb",
            "--json",
        ],
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["field"] == "redirect_uri"


def test_keys_rotate_publishes_a_new_next_key(cli_env, portal):
    before = {k["kid"] for k in portal.get("/jwks").json()["keys"]}
    rotated = _json(
        cli_env.invoke(app, ["keys", "rotate", "--min-published-seconds", "0", "--json"])
    )
    assert set(rotated["current_kids"]) <= before  # the promoted keys were already published
    # New next keys are published before they sign: the JWKS, served from memory, shows
    # them within its refresh interval (5 s).
    deadline = time.monotonic() + 8
    after = before
    while not after - before and time.monotonic() < deadline:
        time.sleep(0.25)
        after = {k["kid"] for k in portal.get("/jwks").json()["keys"]}
    assert after - before


def test_keys_rotate_waits_until_the_next_key_has_been_published_for_the_cache_time(cli_env):
    _json(cli_env.invoke(app, ["keys", "rotate", "--min-published-seconds", "0", "--json"]))
    # The new next keys are a moment old; JWKS caches keep keys 300 s, the default wait.
    refused = cli_env.invoke(app, ["keys", "rotate", "--json"])
    assert refused.exit_code == 2
    error = json.loads(refused.output)
    assert error["field"] == "min_published_seconds"
    assert "rotate again in" in error["message"]


def test_keys_master_prints_a_usable_key(cli_env):
    from keys import MasterKey

    key = _json(cli_env.invoke(app, ["keys", "master", "--json"]))["master_key"]
    assert MasterKey.from_b64url(key).to_b64url() == key


def test_clients_create_registers_front_channel_logout_and_required_par(cli_env):
    created = _json(
        cli_env.invoke(
            app,
            [
                "clients",
                "create",
                "--name",
                "PR Portal",
                "--redirect-uri",
                "https://pr.example/cb",
                "--frontchannel-logout-uri",
                "https://pr.example/oidc/frontchannel-logout",
                "--frontchannel-logout-session-required",
                "--require-pushed-authorization-requests",
                "--json",
            ],
        )
    )
    listed = _json(cli_env.invoke(app, ["clients", "list", "--json"]))
    entry = next(c for c in listed if c["client_id"] == created["client_id"])
    assert entry["frontchannel_logout_uri"] == "https://pr.example/oidc/frontchannel-logout"
    assert entry["frontchannel_logout_session_required"] is True
    assert entry["require_pushed_authorization_requests"] is True


def test_clients_create_refuses_a_front_channel_uri_on_another_origin(cli_env):
    result = cli_env.invoke(
        app,
        [
            "clients",
            "create",
            "--name",
            "Elsewhere",
            "--redirect-uri",
            "https://pr.example/cb",
            "--frontchannel-logout-uri",
            "https://elsewhere.example/logout",
            "--json",
        ],
    )
    assert result.exit_code == 2
    assert json.loads(result.output)["field"] == "frontchannel_logout_uri"


def test_outbox_dead_letters_lists_and_replay_resends(cli_env, components):
    with transaction(components) as db:
        message = enqueue(
            db,
            kind="security_event",
            url="https://portal.example/events",
            content_type="application/secevent+jwt",
            body="x",
            now=components.clock.now(),
        )
        db.get_one(OutboxMessage, message.id).dead_at = components.clock.now()
    listed = _json(cli_env.invoke(app, ["outbox", "dead-letters", "--json"]))
    assert [(m["id"], m["destination"]) for m in listed] == [(message.id, "https://portal.example")]
    replayed = _json(cli_env.invoke(app, ["outbox", "replay", message.id, "--json"]))
    assert replayed["status"] == "waiting"
    assert _json(cli_env.invoke(app, ["outbox", "dead-letters", "--json"])) == []
    unknown = cli_env.invoke(app, ["outbox", "replay", "nope", "--json"])
    assert unknown.exit_code == 2
    assert json.loads(unknown.output)["field"] == "id"
