"""Domain errors of the composition root, mapped to HTTP in `idp/http/errors.py` only.

IdpError (code, message)
├── InvalidInput (field, limit): bad input named by field, with the limit it broke
├── InvalidParameters: a query string or form body cannot be read (size, count, UTF-8, NUL)
├── NotFound: the thing asked for does not exist (`get_x` raises it)
├── Conflict: the thing already exists (duplicate email, client name...)
├── Unavailable (dependency): the database, the store or the mail server did not answer
├── SignInRequired, NotAllowed, StepUpRequired: who may see a page, and how freshly proven
├── CsrfRejected: a form without this browser's CSRF token
└── BearerRejected (status): an API call without a usable bearer token
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


class InvalidParameters(IdpError):
    """Parameters that cannot be parsed at all; OAuth endpoints answer `invalid_request`."""

    code = "invalid_request"


class Unavailable(IdpError):
    """A dependency (database, store, mail) did not answer in time: 503 with Retry-After."""

    code = "temporarily_unavailable"

    def __init__(self, dependency: str, message: str) -> None:
        super().__init__(message)
        self.dependency = dependency


class SignInRequired(IdpError):
    """The page needs a signed-in session: pages redirect to `/login`, APIs answer 401."""

    code = "not_signed_in"

    def __init__(self, message: str = "a signed-in session is required") -> None:
        super().__init__(message)


class NotAllowed(IdpError):
    """Signed in, but this account may not see this page (officer pages for an applicant)."""

    code = "not_allowed"

    def __init__(self, message: str = "this account may not use this page") -> None:
        super().__init__(message)


class StepUpRequired(IdpError):
    """The change needs a second factor proven in the last minutes; `return_to` resumes it."""

    code = "step_up_required"

    def __init__(self, return_to: str) -> None:
        super().__init__("prove your second factor again to continue")
        self.return_to = return_to


class CsrfRejected(IdpError):
    """A form came without this browser's CSRF token (a forged or expired page)."""

    code = "csrf"

    def __init__(self, message: str = "the form's CSRF token is missing or wrong") -> None:
        super().__init__(message)


class BearerRejected(IdpError):
    """A JSON API call without a usable bearer token (RFC 6750 section 3.1)."""

    code = "invalid_token"

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message, code=error)
        self.status = status
