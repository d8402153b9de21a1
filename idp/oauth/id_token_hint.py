"""`id_token_hint`: an ID token of ours, given back by a portal as a hint about who is
signed in (OIDC Core 3.1.2.1 at the authorization endpoint; RP-Initiated Logout 1.0
section 2 at the end-session endpoint).

The hint is accepted expired (a portal sends the last ID token it holds), but only when
our keys signed it as an ID token (`typ` JWT, a `sub`, no `scope`: never an access or a
logout token) and our issuer issued it. A hint whose key we no longer publish (retired
keys are kept only until the tokens they signed expire) is `UnverifiableIdTokenHint`:
it names someone we cannot identify, which is not the same as a forged hint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from keys import InvalidToken, Keyring, kid_of, verify_jwt

ID_TOKEN_ALGS = ["RS256", "ES256", "EdDSA"]
ID_TOKEN_TYP = "JWT"  # noqa: S105  # a media type, not a secret


class InvalidIdTokenHint(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class UnverifiableIdTokenHint(InvalidIdTokenHint):
    """The hint's `kid` names no key we publish now (a rotated-out key, or none at all)."""


def read_id_token_hint(
    db: Session, keyring: Keyring, issuer: str, hint: str, now: datetime
) -> dict[str, Any]:
    """The claims of one of our ID tokens (never an access or logout token), even expired."""
    kid = kid_of(hint)
    keyset = keyring.verification_keys(db, now, kid=kid)
    if kid is None or all(key.kid != kid for key in keyset.keys):
        raise UnverifiableIdTokenHint("'id_token_hint' is signed by no key we publish")
    try:
        header, claims = verify_jwt(hint, keyset, ID_TOKEN_ALGS)
    except InvalidToken:
        raise InvalidIdTokenHint("'id_token_hint' is not an ID token of ours") from None
    if header.get("typ") != ID_TOKEN_TYP or "scope" in claims or "sub" not in claims:
        raise InvalidIdTokenHint("'id_token_hint' is not an ID token")
    if claims.get("iss") != issuer:
        raise InvalidIdTokenHint("'id_token_hint' was issued by another provider")
    return claims
