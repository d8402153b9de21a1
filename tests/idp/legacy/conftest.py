"""The legacy portal (MyCIC, registered from its profile as `idp portals sync` does) and
the CLI's settings."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.factories.idp import make_profile_client


@pytest.fixture
def mycic(components):
    client, _ = make_profile_client(components, "mycic")
    return client


@pytest.fixture
def cli_env(settings, monkeypatch):
    for name in ("issuer", "database_url", "data_dir", "redis_url", "redis_prefix", "smtp_url"):
        monkeypatch.setenv(f"IDP_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("IDP_MASTER_KEY", settings.master_key.get_secret_value())
    return CliRunner()
