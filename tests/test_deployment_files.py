"""docker-compose.yml and the Dockerfile, kept correct by reading (no Docker engine here)."""

from __future__ import annotations

from pathlib import Path

import yaml

from idp.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FUTURE_SETTINGS = {"IDP_SMTP_URL"}  # read from issue 3 on; harmless before


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_service_and_its_backends():
    services = _compose()["services"]
    assert {"db", "redis", "mail", "migrate", "idp"} <= set(services)
    assert "healthcheck" in services["db"]
    assert "healthcheck" in services["redis"]


def test_service_waits_for_migrations_and_redis():
    depends = _compose()["services"]["idp"]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["redis"]["condition"] == "service_healthy"


def test_service_environment_uses_real_settings():
    environment = _compose()["services"]["idp"]["environment"]
    known = {f"IDP_{name.upper()}" for name in Settings.model_fields} | FUTURE_SETTINGS
    assert set(environment) <= known
    assert environment["IDP_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert environment["IDP_REDIS_URL"].startswith("redis://")
    assert "IDP_MASTER_KEY" in environment


def test_dockerfile_runs_as_a_non_root_user_and_serves_idp():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER idp\n" in dockerfile
    assert "EXPOSE 8000" in dockerfile
    assert 'ENTRYPOINT ["idp"]' in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert "/readyz" in dockerfile.split("HEALTHCHECK", 1)[1]
