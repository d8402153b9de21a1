"""`idp clients create` and `idp clients list`: a client's application type."""

from __future__ import annotations

import json

import pytest

from idp.cli.main import app


@pytest.fixture
def cli(cli_env):
    return lambda *args: cli_env.invoke(app, ["clients", *args, "--json"])


def _create(cli, *options):
    return cli(
        "create",
        "--name",
        "Office desktop tool",
        "--redirect-uri",
        "http://127.0.0.1/callback",
        "--auth-method",
        "none",
        *options,
    )


def test_a_native_client_is_registered_and_listed_with_its_application_type(cli):
    created = _create(cli, "--application-type", "native")
    assert created.exit_code == 0, created.output
    client_id = json.loads(created.output)["client_id"]
    listed = cli("list")
    (client,) = [c for c in json.loads(listed.output) if c["client_id"] == client_id]
    assert client["application_type"] == "native"


def test_an_unknown_application_type_is_refused_naming_the_field(cli):
    refused = _create(cli, "--application-type", "desktop")
    assert refused.exit_code == 2
    assert json.loads(refused.output)["field"] == "application_type"
