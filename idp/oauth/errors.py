"""OAuth errors of ours, beside authlib's class-per-code hierarchy (RFC 6749 section 5.2).

authlib's `OAuth2Error` subclasses carry the wire `error` code; the ones here add what
authlib lacks: the RFC 6750 bearer errors for userinfo, and `login_required` and
friends re-exported for one import place.

    OAuth2Error (authlib)
    ├── InvalidRequestError, InvalidClientError, InvalidGrantError, ... (authlib)
    ├── LoginRequiredError, ConsentRequiredError (authlib.oidc)
    ├── InvalidRequestObjectError, InvalidRequestUriError, RequestUriNotSupportedError
    │   (RFC 9101 section 7, authlib)
    ├── UnsupportedResponseTypeError (authlib's, with the description given: ours)
    ├── InvalidTargetError (RFC 8693 section 2.2.2, ours)
    └── InvalidTokenError (RFC 6750 section 3.1, ours)
"""

from __future__ import annotations

from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidClientError,
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    UnsupportedGrantTypeError,
    UnsupportedTokenTypeError,
)
from authlib.oauth2.rfc6749.errors import (
    UnsupportedResponseTypeError as _UnsupportedResponseType,
)
from authlib.oauth2.rfc9101.errors import (
    InvalidRequestObjectError,
    InvalidRequestUriError,
    RequestNotSupportedError,
    RequestUriNotSupportedError,
)
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError

ERROR_DESCRIPTION_LIMIT = 300


def ascii_description(text: str) -> str:
    """RFC 6749 section 5.2: `error_description` is ASCII without `"` and `\\`.

    Descriptions may quote what a client sent; anything outside the allowed set becomes `?`.
    """
    cleaned = "".join(c if (" " <= c <= "~" and c not in '"\\') else "?" for c in text)
    return cleaned[:ERROR_DESCRIPTION_LIMIT]


class UnsupportedResponseTypeError(_UnsupportedResponseType):  # type: ignore[misc]  # untyped
    """RFC 6749 section 4.1.2.1, its description the one given: authlib's ignores it and
    quotes its first argument as the value sent."""

    def __init__(self, response_type: str, description: str, **kwargs: object) -> None:
        super().__init__(response_type, description, **kwargs)

    def get_error_description(self) -> str:
        return str(self.description)


class InvalidTargetError(OAuth2Error):  # type: ignore[misc]  # authlib is untyped
    """RFC 8693 section 2.2.2 (and RFC 8707): no token can be issued for the `audience` or
    `resource` asked for."""

    error = "invalid_target"


class InvalidTokenError(OAuth2Error):  # type: ignore[misc]  # authlib is untyped
    """RFC 6750 section 3.1: the bearer token is expired, revoked, malformed or invalid."""

    error = "invalid_token"
    status_code = 401


__all__ = [
    "AccessDeniedError",
    "ConsentRequiredError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "InvalidRequestObjectError",
    "InvalidRequestUriError",
    "InvalidScopeError",
    "InvalidTargetError",
    "InvalidTokenError",
    "LoginRequiredError",
    "OAuth2Error",
    "RequestNotSupportedError",
    "RequestUriNotSupportedError",
    "UnauthorizedClientError",
    "UnsupportedGrantTypeError",
    "UnsupportedResponseTypeError",
    "UnsupportedTokenTypeError",
    "ascii_description",
]


class UnmetAuthenticationRequirementsError(OAuth2Error):  # type: ignore[misc]  # authlib untyped
    """OIDC Core errata 3.1.2.6: the requested `acr` cannot be reached for this account."""

    error = "unmet_authentication_requirements"


class InteractionRequiredError(OAuth2Error):  # type: ignore[misc]  # authlib untyped
    error = "interaction_required"
