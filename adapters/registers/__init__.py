"""Membership registers: is a paid representative a member in good standing of their body?

- `ports.py`: the `MembershipRegister` port, `MembershipBody`, `MembershipRecord`,
  `BodyKind`, `MembershipStatus`, and the errors (`RegisterError`,
  `InvalidMembershipQuery`, `RegisterFileInvalid`).
- `query.py`: the lookup's input rules (`MAX_MEMBERSHIP_NUMBER_LENGTH`, normalisation).
- `file.py`: `FileMembershipRegister`, read once from CSV; `data/` holds the sample
  register (CICC, the 13 provincial and territorial law societies, the Chambre des
  notaires du Québec).
"""

from adapters.registers.file import FileMembershipRegister
from adapters.registers.ports import (
    BodyKind,
    InvalidMembershipQuery,
    MembershipBody,
    MembershipRecord,
    MembershipRegister,
    MembershipStatus,
    RegisterError,
    RegisterFileInvalid,
)
from adapters.registers.query import MAX_MEMBERSHIP_NUMBER_LENGTH

__all__ = [
    "MAX_MEMBERSHIP_NUMBER_LENGTH",
    "BodyKind",
    "FileMembershipRegister",
    "InvalidMembershipQuery",
    "MembershipBody",
    "MembershipRecord",
    "MembershipRegister",
    "MembershipStatus",
    "RegisterError",
    "RegisterFileInvalid",
]
