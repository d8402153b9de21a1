"""PKCE (RFC 7636), S256 only and required for every client (RFC 9700 section 2.1.1).

authlib's `CodeChallenge` lets a request without `code_challenge` through and accepts
`plain`; this profile refuses both at the authorization endpoint, so every code is bound
to a verifier, and the token endpoint then always checks it (`invalid_grant` on mismatch,
`invalid_request` when the verifier is missing).
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc7636 import CodeChallenge

from idp.oauth.errors import InvalidGrantError, InvalidRequestError


class RequiredS256CodeChallenge(CodeChallenge):  # type: ignore[misc]  # authlib is untyped
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012  # authlib's class attribute
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("missing 'code_challenge': PKCE is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("missing 'code_verifier'")
        try:
            super().validate_code_verifier(grant, result)
        except InvalidGrantError:  # authlib's "Code challenge failed." names no parameter
            raise InvalidGrantError("'code_verifier' does not match the code_challenge") from None
