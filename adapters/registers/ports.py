"""The membership register port: is this representative a member in good standing?

A paid representative names a membership body and a number (DESIGN §6); the officer review
looks the pair up in that body's register: the College of Immigration and Citizenship
Consultants (CICC), a provincial or territorial law society (lawyers, and Ontario's
paralegals), or the Chambre des notaires du Québec. `FileMembershipRegister` reads a
shipped sample (the embedded default); a client of the bodies' public registers would be
the production implementation, under the same contract tests.

Errors:

    RegisterError                    code "register_error"
    ├── InvalidMembershipQuery       code "invalid_membership_query" (.field, .limit)
    └── RegisterFileInvalid          code "invalid_register_file" (.path, .line, .field)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from adapters.localized_text import LocalizedText


class BodyKind(StrEnum):
    CICC = "cicc"
    LAW_SOCIETY = "law_society"
    NOTARIES = "notaries"


class MembershipStatus(StrEnum):
    """Only `active` is in good standing."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class MembershipBody:
    code: str  # e.g. "cicc", "lso", "cnq"
    names: LocalizedText
    kind: BodyKind


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    body: str  # a MembershipBody code
    number: str  # as the register writes it: upper case, no spaces
    name: str  # the legal name on the register
    status: MembershipStatus

    @property
    def is_in_good_standing(self) -> bool:
        return self.status is MembershipStatus.ACTIVE


class MembershipRegister(Protocol):
    def lookup(self, body: str, number: str) -> MembershipRecord | None:
        """The member `number` of `body`, or None when the register has no such member.

        Case and spaces in `number` do not matter. Raises `InvalidMembershipQuery` naming
        the field when `body` is not one of `bodies()` or `number` breaks its limits.
        """
        ...

    def bodies(self) -> list[MembershipBody]:
        """Every body this register answers for, in a stable order."""
        ...


class RegisterError(Exception):
    code = "register_error"


class InvalidMembershipQuery(RegisterError):
    code = "invalid_membership_query"

    def __init__(self, field: str, message: str, limit: int | None = None) -> None:
        self.field = field
        self.limit = limit
        super().__init__(message)


class RegisterFileInvalid(RegisterError):
    code = "invalid_register_file"

    def __init__(self, path: Path, line: int, field: str, message: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        super().__init__(f"{path.name} line {line}: {field} {message}")
