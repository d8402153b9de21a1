"""The file-backed membership register: two CSV files read once, then looked up in memory.

`bodies.csv` (code, kind, name_en, name_fr) lists the bodies; `members.csv` (body, number,
name, status) their members. The shipped `data/` folder is sample data for the embedded
default and the demo; an operator can point the register at a folder exported from the
bodies' registers. Every row is checked when the register is built, and the first bad one
raises `RegisterFileInvalid` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

from adapters.localized_text import LocalizedText
from adapters.registers.ports import (
    BodyKind,
    MembershipBody,
    MembershipRecord,
    MembershipStatus,
    RegisterFileInvalid,
)
from adapters.registers.query import (
    MAX_MEMBERSHIP_NUMBER_LENGTH,
    MEMBERSHIP_NUMBER_PATTERN,
    check_membership_query,
    normalize_membership_number,
)

REGISTER_FOLDER = Path(__file__).parent / "data"
MAX_REGISTER_FILE_BYTES = 16 * 1024 * 1024
MAX_NAME_LENGTH = 200
BODY_COLUMNS = ("code", "kind", "name_en", "name_fr")
MEMBER_COLUMNS = ("body", "number", "name", "status")
BODY_CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")

Row = tuple[int, dict[str, str]]


class FileMembershipRegister:
    def __init__(self, folder: Path | None = None) -> None:
        folder = REGISTER_FOLDER if folder is None else folder
        self._bodies = tuple(_read_bodies(folder / "bodies.csv"))
        self._codes = tuple(body.code for body in self._bodies)
        self._members = MappingProxyType(_read_members(folder / "members.csv", self._codes))

    def lookup(self, body: str, number: str) -> MembershipRecord | None:
        return self._members.get(check_membership_query(body, number, self._codes))

    def bodies(self) -> list[MembershipBody]:
        return list(self._bodies)


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[Row]:
    """Each row with its line number, after checking the file's size and header."""
    try:
        if path.stat().st_size > MAX_REGISTER_FILE_BYTES:
            raise RegisterFileInvalid(
                path, 0, "(file)", f"is larger than {MAX_REGISTER_FILE_BYTES} bytes"
            )
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file, strict=True)
            if tuple(reader.fieldnames or ()) != columns:
                raise RegisterFileInvalid(path, 1, "(header)", f"must be {','.join(columns)}")
            for row in reader:
                if None in row or None in row.values():
                    raise RegisterFileInvalid(
                        path, reader.line_num, "(row)", f"must have {len(columns)} columns"
                    )
                yield reader.line_num, {key: value.strip() for key, value in row.items()}
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RegisterFileInvalid(path, 0, "(file)", f"cannot be read: {error}") from None


def _text(path: Path, line: int, row: dict[str, str], column: str) -> str:
    value = row[column]
    if not value or len(value) > MAX_NAME_LENGTH:
        raise RegisterFileInvalid(path, line, column, f"must be 1 to {MAX_NAME_LENGTH} characters")
    return value


def _read_bodies(path: Path) -> Iterator[MembershipBody]:
    seen: set[str] = set()
    for line, row in _rows(path, BODY_COLUMNS):
        code = row["code"]
        if not BODY_CODE_PATTERN.fullmatch(code) or code in seen:
            raise RegisterFileInvalid(path, line, "code", "must be a new lowercase code")
        if row["kind"] not in list(BodyKind):
            raise RegisterFileInvalid(path, line, "kind", f"must be one of {', '.join(BodyKind)}")
        seen.add(code)
        names = LocalizedText(_text(path, line, row, "name_en"), _text(path, line, row, "name_fr"))
        yield MembershipBody(code=code, names=names, kind=BodyKind(row["kind"]))


def _read_members(path: Path, bodies: tuple[str, ...]) -> dict[tuple[str, str], MembershipRecord]:
    members: dict[tuple[str, str], MembershipRecord] = {}
    for line, row in _rows(path, MEMBER_COLUMNS):
        if row["body"] not in bodies:
            raise RegisterFileInvalid(path, line, "body", "is not a code of bodies.csv")
        number = normalize_membership_number(row["number"])
        if len(number) > MAX_MEMBERSHIP_NUMBER_LENGTH or not MEMBERSHIP_NUMBER_PATTERN.fullmatch(
            number
        ):
            raise RegisterFileInvalid(
                path,
                line,
                "number",
                f"must be 1 to {MAX_MEMBERSHIP_NUMBER_LENGTH} letters, digits and hyphens",
            )
        if (row["body"], number) in members:
            raise RegisterFileInvalid(path, line, "number", "repeats a member of the same body")
        if row["status"] not in list(MembershipStatus):
            raise RegisterFileInvalid(
                path, line, "status", f"must be one of {', '.join(MembershipStatus)}"
            )
        members[row["body"], number] = MembershipRecord(
            body=row["body"],
            number=number,
            name=_text(path, line, row, "name"),
            status=MembershipStatus(row["status"]),
        )
    return members
