"""The sample portal's settings: what is required, what is implied, what is refused."""

from __future__ import annotations

import pytest

from adapters.portals.loader import PROFILES_FOLDER
from sample_portal.config import ConfigError, load_config
from sample_portal.labels import Label

BASE = {
    "PORTAL_ISSUER": "http://127.0.0.1:8000/",
    "PORTAL_CLIENT_ID": "client",
    "PORTAL_CLIENT_SECRET": "secret",
}


def test_the_port_follows_the_base_url_and_the_issuer_loses_its_slash():
    config = load_config({**BASE, "PORTAL_BASE_URL": "http://localhost:8123"})
    assert config.port == 8123
    assert config.issuer == "http://127.0.0.1:8000"
    assert config.redirect_uri == "http://localhost:8123/callback"


def test_without_a_base_url_it_is_localhost_on_the_port():
    config = load_config({**BASE, "PORTAL_PORT": "8200"})
    assert config.base_url == "http://localhost:8200"


def test_portals_on_one_host_get_distinct_cookies():
    first = load_config({**BASE, "PORTAL_BASE_URL": "http://localhost:8101"})
    second = load_config({**BASE, "PORTAL_BASE_URL": "http://localhost:8102"})
    assert first.cookie_name != second.cookie_name


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"PORTAL_ISSUER": ""}, "PORTAL_ISSUER"),
        ({"PORTAL_CLIENT_SECRET": ""}, "PORTAL_CLIENT_SECRET"),
        ({"PORTAL_BASE_URL": "localhost:8100"}, "PORTAL_BASE_URL"),
        ({"PORTAL_PORT": "99999"}, "PORTAL_PORT"),
        ({"PORTAL_CLIENT_FILE": "/nonexistent/client.json"}, "PORTAL_CLIENT_FILE"),
    ],
)
def test_a_bad_setting_stops_startup_naming_the_variable(change, named):
    with pytest.raises(ConfigError, match=named):
        load_config({**BASE, **change})


def test_credentials_can_come_from_the_json_the_cli_printed(tmp_path):
    printed = tmp_path / "client.json"
    printed.write_text('{"client_id": "abc", "client_secret": "xyz", "name": "IRCC Portal"}')
    config = load_config(
        {"PORTAL_ISSUER": BASE["PORTAL_ISSUER"], "PORTAL_CLIENT_FILE": str(printed)}
    )
    assert (config.client_id, config.client_secret) == ("abc", "xyz")


def test_the_portal_api_scope_can_leave_out_delegations():
    assert load_config(BASE).api_scope == "applications:write delegations:read"
    config = load_config({**BASE, "PORTAL_API_SCOPE": "applications:write"})
    assert config.api_scope == "applications:write"


def test_program_and_status_names_come_from_the_portals_profile():
    config = load_config({**BASE, "PORTAL_PROFILE": str(PROFILES_FOLDER / "ircc-portal.toml")})
    assert config.labels.program("study_permit") == Label("Study permit", "Permis d’études")
    assert config.labels.status("in_review") == Label("In review", "En cours d’examen")
    assert config.labels.program("Free text") == Label("Free text", "Free text")  # as sent


def test_without_a_profile_codes_are_shown_as_sent():
    assert load_config(BASE).labels.program("study_permit") == Label("study_permit", "study_permit")


@pytest.mark.parametrize(
    "profile",
    ["[programs]\nstudy_permit = 'Study permit'\n", "programs = 3\n", "not toml ["],
)
def test_a_profile_without_two_names_per_code_stops_startup_naming_it(tmp_path, profile):
    path = tmp_path / "portal.toml"
    path.write_text(profile)
    with pytest.raises(ConfigError, match="PORTAL_PROFILE"):
        load_config({**BASE, "PORTAL_PROFILE": str(path)})
    with pytest.raises(ConfigError, match="PORTAL_PROFILE"):
        load_config({**BASE, "PORTAL_PROFILE": str(tmp_path / "missing.toml")})
