"""Domain errors of the composition root, mapped to HTTP in `idp/http/errors.py` only.

IdpError (code, message)
├── InvalidInput (field, limit): bad input named by field, with the limit it broke
├── NotFound: the thing asked for does not exist (`get_x` raises it)
└── Conflict: the thing already exists (duplicate email, client name...)
"""

from __future__ import annotations


class IdpError(Exception):
    code = "idp_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(IdpError):
    code = "invalid_input"

    def __init__(
        self, field: str, message: str, *, limit: str | int | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.field = field
        self.limit = limit


class NotFound(IdpError):
    code = "not_found"


class Conflict(IdpError):
    code = "conflict"
