"""Fixtures shared by the service's tests."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli_env(settings, monkeypatch):
    """A CLI runner with the test's settings in its environment, as an operator runs it."""
    for name, value in {
        "IDP_ISSUER": settings.issuer,
        "IDP_DATABASE_URL": settings.database_url,
        "IDP_MASTER_KEY": settings.master_key.get_secret_value(),
        "IDP_DATA_DIR": str(settings.data_dir),
        "IDP_REDIS_URL": settings.redis_url,
        "IDP_REDIS_PREFIX": settings.redis_prefix,
        "IDP_SMTP_URL": settings.smtp_url,
    }.items():
        monkeypatch.setenv(name, str(value))
    return CliRunner()
