"""docker-compose.yml, deploy/ and the Dockerfile, kept correct by reading (no Docker
engine here): the services, their health checks, the order they start in, and settings
that the service and the sample portal really read."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from idp.settings import Settings
from sample_portal.config import load_config

ROOT = Path(__file__).resolve().parent.parent
# IDP_ variables the compose file sets before idp/settings.py has them: none today. Name
# any such variable here with the issue that adds it.
FUTURE_SETTINGS: frozenset[str] = frozenset()
REPLICAS = ("idp-1", "idp-2")
PORTALS = ("portal-ircc", "portal-pr", "portal-representatives")
BACKENDS = ("db", "redis", "mail")
ONE_SHOTS = ("migrate", "register-portals")
COMPOSE_DEFAULT = re.compile(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)\}")


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _services():
    return _compose()["services"]


def _with_defaults(value: str) -> str:
    """What compose substitutes when the variable is unset (`${X:-default}`)."""
    return COMPOSE_DEFAULT.sub(lambda m: m.group(2) or "", value)


def _port_of_command(service) -> str:
    command = service["command"]
    return command[command.index("--port") + 1]


def test_compose_has_the_proxy_two_replicas_backends_and_three_portals():
    services = set(_services())
    assert {"proxy", *REPLICAS, *BACKENDS, *ONE_SHOTS, *PORTALS} == services


@pytest.mark.parametrize("replica", REPLICAS)
def test_each_replica_is_healthy_only_when_ready(replica):
    service = _services()[replica]
    check = " ".join(service["healthcheck"]["test"])
    assert f"http://127.0.0.1:{_port_of_command(service)}/readyz" in check


def test_replicas_listen_on_distinct_ports_behind_the_proxy():
    services = _services()
    ports = {_port_of_command(services[r]) for r in REPLICAS}
    assert len(ports) == len(REPLICAS)
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert all(f"server 127.0.0.1:{port}" in nginx for port in ports)
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in nginx
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert all(services[r]["network_mode"] == "service:proxy" for r in REPLICAS)


def test_backends_have_their_own_health_checks():
    services = _services()
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize("replica", REPLICAS)
def test_replicas_wait_for_migrations_and_redis(replica):
    depends = _services()[replica]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["redis"]["condition"] == "service_healthy"


def test_migrations_run_once_the_database_is_healthy():
    migrate = _services()["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.parametrize("portal", PORTALS)
def test_portals_start_after_registration_and_healthy_replicas(portal):
    service = _services()[portal]
    assert service["entrypoint"] == ["python", "-m", "sample_portal"]
    depends = service["depends_on"]
    assert depends["register-portals"]["condition"] == "service_completed_successfully"
    assert all(depends[r]["condition"] == "service_healthy" for r in REPLICAS)
    port = service["environment"]["PORTAL_PORT"]
    assert f"{port}:{port}" in _services()["proxy"]["ports"]
    assert port in " ".join(service["healthcheck"]["test"])


@pytest.mark.parametrize("portal", PORTALS)
def test_each_portal_is_registered_with_its_own_urls_and_credentials_file(portal):
    environment = _services()[portal]["environment"]
    script = (ROOT / "deploy" / "register-portals.sh").read_text()
    slug = Path(environment["PORTAL_CLIENT_FILE"]).stem
    assert f'register {slug} "{environment["PORTAL_NAME"]}" {environment["PORTAL_BASE_URL"]}\n' in (
        script
    )
    assert urlsplit(environment["PORTAL_BASE_URL"]).port == int(environment["PORTAL_PORT"])


@pytest.mark.parametrize("portal", PORTALS)
def test_each_portal_environment_is_a_valid_sample_portal_config(portal, tmp_path):
    environment = {k: _with_defaults(str(v)) for k, v in _services()[portal]["environment"].items()}
    credentials = tmp_path / "client.json"
    credentials.write_text('{"client_id": "c", "client_secret": "s"}')
    config = load_config({**environment, "PORTAL_CLIENT_FILE": str(credentials)})
    assert config.issuer == "http://localhost:8000"
    assert config.name == environment["PORTAL_NAME"]


def test_every_idp_variable_is_a_real_setting():
    known = {f"IDP_{name.upper()}" for name in Settings.model_fields} | FUTURE_SETTINGS
    for name, service in _services().items():
        variables = {k for k in service.get("environment", {}) if k.startswith("IDP_")}
        assert variables <= known, (name, variables - known)


def test_the_service_runs_on_postgresql_and_redis_with_a_required_master_key():
    environment = _services()["idp-1"]["environment"]
    assert environment["IDP_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert environment["IDP_REDIS_URL"].startswith("redis://")
    assert environment["IDP_MASTER_KEY"].startswith("${IDP_MASTER_KEY:?")
    assert (
        environment == _services()["idp-2"]["environment"] == _services()["migrate"]["environment"]
    )


def test_dockerfile_runs_as_a_non_root_user_serves_idp_and_ships_the_sample_portal():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER idp\n" in dockerfile
    assert "EXPOSE 8000" in dockerfile
    assert 'ENTRYPOINT ["idp"]' in dockerfile
    assert "COPY sample_portal ./sample_portal" in dockerfile
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") :]
    assert "http://127.0.0.1:8000/readyz" in healthcheck.split("ENTRYPOINT")[0]
