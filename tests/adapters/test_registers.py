"""One contract for every MembershipRegister, then the file register's own rules and the
shipped sample register."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters import (
    MAX_MEMBERSHIP_NUMBER_LENGTH,
    BodyKind,
    FileMembershipRegister,
    InvalidMembershipQuery,
    LocalizedText,
    MembershipRecord,
    MembershipRegister,
    MembershipStatus,
    RegisterFileInvalid,
)

CICC_FR = "Collège des consultants en immigration et en citoyenneté"
BODIES = f"""code,kind,name_en,name_fr
cicc,cicc,College of Immigration and Citizenship Consultants,{CICC_FR}
lso,law_society,Law Society of Ontario,Barreau de l'Ontario
cnq,notaries,Chambre des notaires du Québec,Chambre des notaires du Québec
"""
MEMBERS = """body,number,name,status
cicc,R712345,Amrit Kaur Sandhu,active
cicc,R508812,Kevin Patrick O'Brien,suspended
cicc,R421907,Dmitri Volkov,revoked
lso,P04517,Teresa Santos,active
cnq,P04517,Nathalie Ouellet,active
"""


def write_register(folder: Path, bodies: str = BODIES, members: str = MEMBERS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bodies.csv").write_text(bodies, encoding="utf-8")
    (folder / "members.csv").write_text(members, encoding="utf-8")
    return folder


# One entry per implementation; each builds a register holding BODIES and MEMBERS.
IMPLEMENTATIONS: dict[str, Callable[[Path], MembershipRegister]] = {
    "file": lambda folder: FileMembershipRegister(write_register(folder)),
}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def register(request, tmp_path) -> MembershipRegister:
    return IMPLEMENTATIONS[request.param](tmp_path / "register")


# the contract --------------------------------------------------------------------------


def test_lookup_finds_a_member_in_good_standing(register):
    record = register.lookup("cicc", "R712345")
    assert record == MembershipRecord(
        "cicc", "R712345", "Amrit Kaur Sandhu", MembershipStatus.ACTIVE
    )
    assert record.is_in_good_standing


def test_lookup_ignores_case_and_spaces(register):
    assert register.lookup(" CICC ", " r712 345 ") == register.lookup("cicc", "R712345")


def test_an_unknown_number_is_none(register):
    assert register.lookup("cicc", "R999999") is None


@pytest.mark.parametrize(
    ("number", "status"),
    [("R508812", MembershipStatus.SUSPENDED), ("R421907", MembershipStatus.REVOKED)],
)
def test_a_suspended_or_revoked_member_is_found_but_not_in_good_standing(register, number, status):
    record = register.lookup("cicc", number)
    assert record.status is status
    assert not record.is_in_good_standing


def test_one_number_in_two_bodies_is_two_members(register):
    assert register.lookup("lso", "P04517").name == "Teresa Santos"
    assert register.lookup("cnq", "P04517").name == "Nathalie Ouellet"
    assert register.lookup("cicc", "P04517") is None


def test_an_unknown_body_is_refused_naming_the_field(register):
    with pytest.raises(InvalidMembershipQuery) as raised:
        register.lookup("bar_of_atlantis", "R712345")
    assert (raised.value.code, raised.value.field) == ("invalid_membership_query", "body")
    assert "cicc, lso, cnq" in str(raised.value)


def test_a_number_longer_than_the_limit_is_refused_quoting_it(register):
    assert register.lookup("cicc", "R" * MAX_MEMBERSHIP_NUMBER_LENGTH) is None
    with pytest.raises(InvalidMembershipQuery) as raised:
        register.lookup("cicc", "R" * (MAX_MEMBERSHIP_NUMBER_LENGTH + 1))
    assert (raised.value.field, raised.value.limit) == ("number", MAX_MEMBERSHIP_NUMBER_LENGTH)
    assert f"at most {MAX_MEMBERSHIP_NUMBER_LENGTH} characters" in str(raised.value)


@pytest.mark.parametrize("number", ["", "   ", "R71'2345", "R712345;", "-R712345", "R7\u00e912345"])
def test_an_empty_or_malformed_number_is_refused_naming_the_field(register, number):
    with pytest.raises(InvalidMembershipQuery) as raised:
        register.lookup("cicc", number)
    assert raised.value.field == "number"


def test_bodies_lists_each_body_with_names_and_kind(register):
    bodies = register.bodies()
    assert [(b.code, b.kind) for b in bodies] == [
        ("cicc", BodyKind.CICC),
        ("lso", BodyKind.LAW_SOCIETY),
        ("cnq", BodyKind.NOTARIES),
    ]
    assert bodies[1].names == LocalizedText("Law Society of Ontario", "Barreau de l'Ontario")
    bodies.clear()
    assert len(register.bodies()) == 3


# the file register's own rules ----------------------------------------------------------


@pytest.mark.parametrize(
    ("bodies", "members", "file", "line", "field"),
    [
        (BODIES, "body,number,name\ncicc,R1,A\n", "members.csv", 1, "(header)"),
        (BODIES, MEMBERS + "atlantis,R1,A,active\n", "members.csv", 7, "body"),
        (BODIES, MEMBERS + "cicc,R1,A,retired\n", "members.csv", 7, "status"),
        (BODIES, MEMBERS + "cicc,r712 345,Someone Else,active\n", "members.csv", 7, "number"),
        (BODIES, MEMBERS + "cicc,R1;2,A,active\n", "members.csv", 7, "number"),
        (BODIES, MEMBERS + f"cicc,R{'1' * 32},A,active\n", "members.csv", 7, "number"),
        (BODIES, MEMBERS + "cicc,R1,,active\n", "members.csv", 7, "name"),
        (BODIES, MEMBERS + "cicc,R1,A\n", "members.csv", 7, "(row)"),
        (BODIES, MEMBERS + "cicc,R1,A,active,extra\n", "members.csv", 7, "(row)"),
        (BODIES + "lso,law_society,Again,Encore\n", MEMBERS, "bodies.csv", 5, "code"),
        (BODIES + "xyz,guild,Guild,Guilde\n", MEMBERS, "bodies.csv", 5, "kind"),
        (BODIES + "xyz,notaries,Guild,\n", MEMBERS, "bodies.csv", 5, "name_fr"),
    ],
)
def test_a_bad_register_row_is_named_with_its_file_line_and_column(
    tmp_path, bodies, members, file, line, field
):
    with pytest.raises(RegisterFileInvalid) as raised:
        FileMembershipRegister(write_register(tmp_path, bodies, members))
    assert (raised.value.path.name, raised.value.line, raised.value.field) == (file, line, field)
    assert raised.value.code == "invalid_register_file"


def test_a_missing_register_file_is_named(tmp_path):
    (tmp_path / "bodies.csv").write_text(BODIES, encoding="utf-8")
    with pytest.raises(RegisterFileInvalid) as raised:
        FileMembershipRegister(tmp_path)
    assert (raised.value.path.name, raised.value.field) == ("members.csv", "(file)")


# the shipped sample ----------------------------------------------------------------------

SAMPLE = Path(__file__).parents[2] / "adapters" / "registers" / "data"


def sample_rows() -> list[dict[str, str]]:
    with (SAMPLE / "members.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_the_sample_register_answers_for_every_row_it_ships():
    register = FileMembershipRegister()
    for row in sample_rows():
        record = register.lookup(row["body"], row["number"])
        assert (record.name, record.status.value) == (row["name"], row["status"])


def test_the_sample_covers_cicc_the_thirteen_law_societies_and_the_notaries():
    bodies = FileMembershipRegister().bodies()
    kinds = [body.kind for body in bodies]
    assert kinds.count(BodyKind.CICC) == 1
    assert kinds.count(BodyKind.LAW_SOCIETY) == 13
    assert kinds.count(BodyKind.NOTARIES) == 1
    with_members = {row["body"] for row in sample_rows()}
    assert with_members == {body.code for body in bodies}
    assert all(body.names.en and body.names.fr for body in bodies)


def test_the_sample_has_dozens_of_cicc_licensees_ontario_paralegals_and_a_suspension():
    rows = sample_rows()
    cicc = [row for row in rows if row["body"] == "cicc"]
    assert len(cicc) >= 24
    assert all(row["number"].startswith("R") and len(row["number"]) == 7 for row in cicc)
    assert any(row["body"] == "lso" and row["number"].startswith("P") for row in rows)
    assert FileMembershipRegister().lookup("cicc", "R508812").status is MembershipStatus.SUSPENDED
