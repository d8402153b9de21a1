"""Reading a legacy portal's export: CSV, a JSON array, or JSON Lines, row by row.

Each row becomes a `LegacyRow`, or a `RowProblem` naming its line and every field at
fault, so one bad row never stops the others. Fields: `username`, `email`, `name`
(required), `password_hash` (optional, a format of `hashes.py`), `applications`
(optional: in CSV, numbers separated by `;`; in JSON, a list of numbers or of
`{"number", "program", "status"}` objects). A file that cannot be read as its format at
all (no header, a missing column, broken JSON) raises `ExportUnreadable` with the line.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from idp.accounts.service import validate_email
from idp.errors import InvalidInput
from idp.legacy.hashes import parse_legacy_hash

MAX_USERNAME_LENGTH = 200
MAX_NAME_LENGTH = 200
MAX_APPLICATIONS = 50
MAX_PROGRAM_LENGTH = 100
NUMBER_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
STATUS_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
# No program named: stored empty, and pages and mails name it in their language
# ("Application", "Demande"; `idp.clients.profiles`), never an English word in the data.
NO_PROGRAM = ""
DEFAULT_STATUS = "received"
REQUIRED_COLUMNS = ("username", "email", "name")
FORMATS = ("csv", "json", "jsonl")


class ExportUnreadable(ValueError):
    """The file is not its format; `line` is where reading stopped."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True, slots=True)
class LegacyApplication:
    number: str
    program: str = NO_PROGRAM
    status: str = DEFAULT_STATUS


@dataclass(frozen=True, slots=True)
class LegacyRow:
    line: int
    username: str
    email: str
    name: str
    password_hash: str | None
    applications: tuple[LegacyApplication, ...]


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    problems: tuple[tuple[str, str], ...]  # (field, message)

    def describe(self) -> str:
        return f"line {self.line}: " + "; ".join(f"{f}: {m}" for f, m in self.problems)


def _application(value: object) -> LegacyApplication:
    """One application entry: a number, or an object with a number."""
    if isinstance(value, str) and NUMBER_PATTERN.fullmatch(value.strip()):
        return LegacyApplication(value.strip())  # the common case, kept cheap
    raw = value if isinstance(value, Mapping) else {"number": value}
    number, program = str(raw.get("number", "")).strip(), str(raw.get("program") or "").strip()
    status = str(raw.get("status") or DEFAULT_STATUS).strip()
    if not NUMBER_PATTERN.fullmatch(number):
        raise ValueError(f"{number!r} is not an application number (letters, digits, -; 64 max)")
    if len(program) > MAX_PROGRAM_LENGTH or not STATUS_PATTERN.fullmatch(status):
        raise ValueError(f"program ({MAX_PROGRAM_LENGTH} max) or status ({status!r}) of {number}")
    return LegacyApplication(number, program, status)


def _applications(value: object) -> tuple[LegacyApplication, ...]:
    if value is None or value == "":
        return ()
    entries = [e for e in value.split(";") if e.strip()] if isinstance(value, str) else value
    if not isinstance(entries, list):
        raise ValueError("must be a list")  # reported as a row problem
    if len(entries) > MAX_APPLICATIONS:
        raise ValueError(f"at most {MAX_APPLICATIONS} applications")
    return tuple(_application(e) for e in entries)


def _text(
    record: Mapping[str, Any], field: str, limit: int, problems: list[tuple[str, str]]
) -> str:
    value = str(record.get(field) or "").strip()
    if not value or len(value) > limit or not value.isprintable():
        problems.append((field, f"is required, printable, {limit} characters at most"))
    return value


def check_record(line: int, record: Mapping[str, Any]) -> LegacyRow | RowProblem:
    """Every field of one exported record checked; all problems reported together."""
    problems: list[tuple[str, str]] = []
    username = _text(record, "username", MAX_USERNAME_LENGTH, problems)
    name = _text(record, "name", MAX_NAME_LENGTH, problems)
    try:
        email = validate_email(str(record.get("email") or ""))
    except InvalidInput as error:
        email = ""
        problems.append(("email", error.message))
    password_hash = str(record.get("password_hash") or "").strip() or None
    try:
        if password_hash is not None:
            parse_legacy_hash(password_hash)
    except ValueError as error:
        problems.append(("password_hash", str(error)))
    try:
        applications = _applications(record.get("applications"))
    except ValueError as error:
        applications = ()
        problems.append(("applications", str(error)))
    if problems:
        return RowProblem(line, tuple(problems))
    return LegacyRow(line, username, email, name, password_hash, applications)


def _csv_records(handle: TextIO) -> Iterator[tuple[int, Mapping[str, Any]]]:
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ExportUnreadable(1, f"the header lacks the column(s) {', '.join(missing)}")
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise ExportUnreadable(reader.line_num, f"not valid CSV ({error})") from None


def _jsonl_records(lines: Iterable[str]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, text in enumerate(lines, start=1):
        if text.strip():
            try:
                yield number, json.loads(text)
            except ValueError:
                yield number, {"(line)": "not a JSON object"}


def _json_array_records(text: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Objects of one JSON array, each with the line it starts on."""
    decoder, position, line, counted = json.JSONDecoder(), text.index("[") + 1, 1, 0
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        line, counted = line + text.count("\n", counted, position), position
        try:
            value, position = decoder.raw_decode(text, position)
        except ValueError as error:
            message = f"not valid JSON ({error}); nothing after it was read"
            raise ExportUnreadable(line, message) from None
        yield line, value


def _records(format_: str, handle: TextIO) -> Iterable[tuple[int, Any]]:
    if format_ == "csv":
        return _csv_records(handle)
    if format_ == "jsonl":
        return _jsonl_records(handle)
    text = handle.read()
    if not text.lstrip().startswith("["):
        return _jsonl_records(text.splitlines())  # a .json file of JSON Lines
    return _json_array_records(text)


def read_export(path: Path, format_: str) -> Iterator[LegacyRow | RowProblem]:
    """The rows of an export file, in order; raises `ExportUnreadable` for the whole file."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, record in _records(format_, handle):
            if not isinstance(record, Mapping) or "(line)" in record:
                yield RowProblem(line, (("(line)", "is not a JSON object with the fields"),))
            else:
                yield check_record(line, record)


def detect_format(path: Path) -> str | None:
    suffix = path.suffix.lower().lstrip(".")
    return {"csv": "csv", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix)
