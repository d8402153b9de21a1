"""The lookup's input rules, the same for every membership register implementation.

A number is compared without case or spaces (`r 712 345` is `R712345`), and a query is
checked before any register is read: a body the register knows, and a number of at most
`MAX_MEMBERSHIP_NUMBER_LENGTH` characters as typed, letters, digits and hyphens once
normalised.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from adapters.registers.ports import InvalidMembershipQuery

MAX_MEMBERSHIP_NUMBER_LENGTH = 32
MEMBERSHIP_NUMBER_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9-]*")


def normalize_membership_number(number: str) -> str:
    return "".join(number.split()).upper()


def check_membership_query(body: str, number: str, bodies: Collection[str]) -> tuple[str, str]:
    """The (body code, normalised number) to look up, or `InvalidMembershipQuery`."""
    code = body.strip().lower()
    if code not in bodies:
        raise InvalidMembershipQuery("body", f"body must be one of {', '.join(bodies)}")
    if len(number) > MAX_MEMBERSHIP_NUMBER_LENGTH:
        raise InvalidMembershipQuery(
            "number",
            f"number must be at most {MAX_MEMBERSHIP_NUMBER_LENGTH} characters",
            limit=MAX_MEMBERSHIP_NUMBER_LENGTH,
        )
    normalized = normalize_membership_number(number)
    if not normalized:
        raise InvalidMembershipQuery("number", "number is empty", limit=1)
    if not MEMBERSHIP_NUMBER_PATTERN.fullmatch(normalized):
        raise InvalidMembershipQuery("number", "number may hold only letters, digits and hyphens")
    return code, normalized
