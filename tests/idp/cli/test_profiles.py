"""`idp portals sync`: what changed, as text or JSON; secrets shown once or written 0600."""

from __future__ import annotations

import json
import shutil
import stat

import pytest

from adapters.portals.loader import PROFILES_FOLDER
from idp.cli.main import app


@pytest.fixture
def cli(cli_env):
    return lambda *args: cli_env.invoke(app, ["portals", "sync", *args])


@pytest.fixture
def folder(tmp_path):
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    for slug in ("ircc-portal", "physical-presence-calculator"):
        shutil.copy(PROFILES_FOLDER / f"{slug}.toml", profiles / f"{slug}.toml")
    return profiles


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return {p["slug"]: p for p in json.loads(result.output)["portals"]}


def test_sync_prints_new_clients_with_their_secret_once(cli, folder):
    first = run_json(cli, "--folder", str(folder))
    assert first["ircc-portal"]["action"] == "created"
    assert first["ircc-portal"]["client_secret"]
    assert "client_secret" not in first["physical-presence-calculator"]
    again = run_json(cli, "--folder", str(folder))
    assert again["ircc-portal"] == {
        "slug": "ircc-portal",
        "action": "unchanged",
        "client_id": first["ircc-portal"]["client_id"],
        "name": "IRCC Portal",
        "changed": [],
    }


def test_sync_reports_a_renamed_portal_as_updated(cli, folder):
    cli("--folder", str(folder))
    path = folder / "ircc-portal.toml"
    path.write_text(path.read_text().replace('en = "IRCC Portal"', 'en = "IRCC Portal (new)"'))
    result = cli("--folder", str(folder))
    assert result.exit_code == 0, result.output
    assert "updated   ircc-portal  changed: name" in result.output
    assert "unchanged physical-presence-calculator" in result.output
    assert "2 portals: 0 created, 1 updated, 1 unchanged" in result.output


def test_secrets_go_to_a_private_file_instead_of_the_output(cli, folder, tmp_path):
    out = tmp_path / "secrets.json"
    result = cli("--folder", str(folder), "--secrets-out", str(out))
    assert result.exit_code == 0, result.output
    assert "client_secret" not in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    saved = json.loads(out.read_text())
    assert set(saved) == {"ircc-portal"}
    assert saved["ircc-portal"]["client_secret"]


def test_a_dry_run_changes_nothing(cli, folder):
    result = cli("--folder", str(folder), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(
        "dry run, nothing written: 2 portals: 2 created, 0 updated, 0 unchanged"
    )
    assert run_json(cli, "--folder", str(folder))["ircc-portal"]["action"] == "created"


def test_a_wrong_profile_fails_naming_the_file_and_field(cli, folder):
    path = folder / "ircc-portal.toml"
    path.write_text(path.read_text().replace('subject_type = "public"', 'subject_type = "odd"'))
    result = cli("--folder", str(folder), "--json")
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert error["field"] == "subject_type"
    assert "ircc-portal.toml" in error["message"]
