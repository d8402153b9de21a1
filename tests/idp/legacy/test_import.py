"""`idp legacy import`: rows staged (never accounts), bad rows reported by line while the
rest load, a re-import duplicating nothing; on PostgreSQL through COPY."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from idp.accounts.models import Account
from idp.cli.main import app as cli
from idp.legacy.hashes import make_legacy_hash
from idp.legacy.models import LegacyAccount
from tests.factories.idp import make_client, transaction

HEADER = "username,email,name,password_hash,applications\n"
HASH = make_legacy_hash("old portal password", "salt", 1_000)
GOOD = (
    f"amara,amara@example.ca,Amara Okafor,{HASH},E000001;W000002\n"
    "kofi,kofi@example.ca,Kofi Mensah,,V000003\n"
)


def _import(cli_env, path, *extra):
    return cli_env.invoke(cli, ["legacy", "import", str(path), "--portal", "mycic", *extra])


def _staged(components) -> dict[str, LegacyAccount]:
    with transaction(components) as db:
        rows = db.scalars(select(LegacyAccount)).all()
        return {r.username: r for r in rows}


def test_bad_rows_are_reported_by_line_and_the_rest_still_load(
    cli_env, components, mycic, tmp_path
):
    export = tmp_path / "mycic.csv"
    export.write_text(HEADER + GOOD + "lea,not-an-email,Léa,,\n" + "kofi,k2@example.ca,Kofi,,\n")
    result = _import(cli_env, export)
    assert result.exit_code == 1, result.output
    assert "line 4: email: email is not a valid address" in result.output
    assert "line 5: username: repeats an earlier row of this file" in result.output
    staged = _staged(components)
    assert set(staged) == {"amara", "kofi"}
    assert staged["amara"].portal_client_id == mycic.client_id
    assert [a["number"] for a in staged["amara"].applications] == ["E000001", "W000002"]
    assert staged["kofi"].password_hash is None
    with transaction(components) as db:  # staged, not accounts: nobody can sign in with them
        assert db.scalar(select(func.count()).select_from(Account)) == 0


def test_a_reimport_duplicates_nothing_and_updates_what_changed(
    cli_env, components, mycic, tmp_path
):
    export = tmp_path / "mycic.csv"
    export.write_text(HEADER + GOOD)
    first = json.loads(_import(cli_env, export, "--json").output)
    assert (first["inserted"], first["updated"], first["unchanged"]) == (2, 0, 0)
    again = json.loads(_import(cli_env, export, "--json").output)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 2)
    export.write_text(HEADER + GOOD.replace("Kofi Mensah", "Kofi A. Mensah"))
    changed = json.loads(_import(cli_env, export, "--json").output)
    assert (changed["inserted"], changed["updated"], changed["unchanged"]) == (0, 1, 1)
    staged = _staged(components)
    assert len(staged) == 2
    assert staged["kofi"].name == "Kofi A. Mensah"


def test_json_exports_load_too_and_the_summary_counts_them(cli_env, components, mycic, tmp_path):
    export = tmp_path / "mycic.json"
    export.write_text(
        json.dumps(
            [{"username": "ana", "email": "ana@example.ca", "name": "Ana", "applications": ["S1"]}]
        )
    )
    result = _import(cli_env, export)
    assert result.exit_code == 0, result.output
    assert "rows read" in result.output
    assert "ana" in _staged(components)


def test_a_portal_that_is_not_registered_is_named(cli_env, tmp_path):
    export = tmp_path / "mycic.csv"
    export.write_text(HEADER + GOOD)
    result = _import(cli_env, export, "--json")
    assert result.exit_code == 2
    answer = json.loads(result.output)
    assert answer["field"] == "portal"
    assert "not registered" in answer["message"]


def test_a_client_merely_named_like_the_portal_is_not_its_registration(
    cli_env, components, tmp_path
):
    # Registered by hand under the profile's English name, not by `idp portals sync`.
    make_client(components, name="MyCIC (legacy client portal)")
    export = tmp_path / "mycic.csv"
    export.write_text(HEADER + GOOD)
    result = _import(cli_env, export, "--json")
    assert result.exit_code == 2
    assert "not registered" in json.loads(result.output)["message"]
    assert _staged(components) == {}


def test_an_unreadable_file_stops_with_its_line_after_keeping_what_was_staged(
    cli_env, components, mycic, tmp_path
):
    export = tmp_path / "mycic.json"
    export.write_text('[{"username": "a", "email": "a@example.ca", "name": "A"},\n{oops}]')
    result = _import(cli_env, export, "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["stopped"].startswith("line 2: not valid JSON")
    assert "a" in _staged(components)
