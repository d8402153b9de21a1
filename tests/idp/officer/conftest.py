"""The CLI with the test's settings in its environment, as an operator runs it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli_env(settings, monkeypatch):
    for name in ("issuer", "database_url", "data_dir", "redis_url", "redis_prefix", "smtp_url"):
        monkeypatch.setenv(f"IDP_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("IDP_MASTER_KEY", settings.master_key.get_secret_value())
    return CliRunner()
