"""Which claims each scope releases (OIDC Core section 5.4), for userinfo and ID tokens.

`locale` is always released: the Government of Canada OIDC profile asks portals to show
the person's language, `en` or `fr`.
"""

from __future__ import annotations

from typing import Any

from idp.accounts.models import Account


def userinfo_claims(account: Account, subject: str, scope: str) -> dict[str, Any]:
    scopes = set(scope.split())
    claims: dict[str, Any] = {"sub": subject, "locale": account.locale}
    if "profile" in scopes:
        claims["name"] = account.name
        claims["updated_at"] = int(account.updated_at.timestamp())
    if "email" in scopes:
        claims["email"] = account.email
        claims["email_verified"] = account.email_verified
    return claims
