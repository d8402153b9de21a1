"""Reading an export: every bad row reported with its line and fields, the rest kept."""

from __future__ import annotations

import json

import pytest

from idp.legacy.hashes import make_legacy_hash
from idp.legacy.rows import ExportUnreadable, LegacyRow, RowProblem, read_export

HASH = make_legacy_hash("old portal password", "salt", 1_000)


def _problems(rows):
    return {r.line: dict(r.problems) for r in rows if isinstance(r, RowProblem)}


def test_csv_rows_keep_their_line_and_every_bad_field_is_named(tmp_path):
    export = tmp_path / "mycic.csv"
    export.write_text(
        "username,email,name,password_hash,applications\n"
        f"amara,amara@example.ca,Amara Okafor,{HASH},E1;W2\n"
        "kofi,not-an-email,,,\n"
        '"multi",multi@example.ca,"Line\nBreak",,\n'
        "lea,lea@example.ca,Léa,md5$x$y,E 1\n"
    )
    rows = list(read_export(export, "csv"))
    assert isinstance(rows[0], LegacyRow)
    assert [a.number for a in rows[0].applications] == ["E1", "W2"]
    assert {a.program for a in rows[0].applications} == {""}  # none named: stored as none
    assert rows[0].line == 2
    problems = _problems(rows)
    assert set(problems[3]) == {"email", "name"}
    assert 4 not in problems  # a quoted field may span lines; the next row still counts
    assert set(problems[6]) == {"password_hash", "applications"}


def test_json_array_objects_are_numbered_by_the_line_they_start_on(tmp_path):
    export = tmp_path / "mycic.json"
    records = [
        {"username": "amara", "email": "amara@example.ca", "name": "Amara",
         "applications": [{"number": "E1", "program": "Study permit", "status": "in_process"}]},
        {"username": "", "email": "x@example.ca", "name": "X"},
    ]  # fmt: skip
    export.write_text(json.dumps(records, indent=2))
    first, second = read_export(export, "json")
    assert isinstance(first, LegacyRow)
    assert first.applications[0].program == "Study permit"
    assert isinstance(second, RowProblem)
    assert second.line == 14  # "[", then 12 lines of the first object, then "  {"
    assert second.problems[0][0] == "username"


def test_json_lines_keep_going_after_a_broken_line(tmp_path):
    export = tmp_path / "mycic.jsonl"
    export.write_text(
        '{"username": "a", "email": "a@example.ca", "name": "A"}\n'
        "{broken\n"
        '{"username": "b", "email": "b@example.ca", "name": "B"}\n'
    )
    rows = list(read_export(export, "jsonl"))
    assert [type(r).__name__ for r in rows] == ["LegacyRow", "RowProblem", "LegacyRow"]
    assert rows[1].line == 2


def test_a_csv_without_a_required_column_is_refused_as_a_whole(tmp_path):
    export = tmp_path / "mycic.csv"
    export.write_text("login,email\nx,x@example.ca\n")
    with pytest.raises(ExportUnreadable, match="username, name"):
        list(read_export(export, "csv"))


def test_broken_json_stops_at_the_line_it_breaks(tmp_path):
    export = tmp_path / "mycic.json"
    export.write_text('[\n{"username": "a", "email": "a@example.ca", "name": "A"},\n{oops}\n]')
    rows = read_export(export, "json")
    assert isinstance(next(rows), LegacyRow)
    with pytest.raises(ExportUnreadable) as stopped:
        next(rows)
    assert stopped.value.line == 3
