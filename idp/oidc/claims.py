"""Which claims each scope releases (OIDC Core section 5.4), for userinfo and ID tokens,
and the claims a `claims` request parameter adds (section 5.5).

`locale` is always released: the Government of Canada OIDC profile asks portals to show
the person's language, `en` or `fr`. The `representative` scope releases an approved,
active representative's contact details for portals: `phone_number`, `address`, `email`
(the contact address they chose; the `email` scope's verified account address wins when
both are granted), `firm`, `representative_id`, `representative_type` and `membership`.
`verified_claims` (OpenID Connect for Identity Assurance) are added when the request asked
for them (`verified_claims.py`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.oauth.claims_request import requested_in
from idp.oidc.verified_claims import verified_claims
from idp.representatives.service import contact_claims, find_representative, is_active

REPRESENTATIVE_SCOPE = "representative"


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


def released_claims(
    db: Session,
    account: Account,
    scope: str,
    claims_request: dict[str, Any] | None,
    member: str,
    *,
    subject: str,
) -> dict[str, Any]:
    """Every claim for `member` (`id_token` or `userinfo`): the scopes', then the
    representative's and the verified claims when granted or asked for. `subject` is the
    `sub` as the portal knows the person (`idp.subjects`: public or pairwise)."""
    claims = userinfo_claims(account, subject, scope)
    requested = requested_in(claims_request, member)
    needs_representative = REPRESENTATIVE_SCOPE in scope.split() or "verified_claims" in requested
    representative = find_representative(db, account.subject) if needs_representative else None
    if (
        representative is not None
        and REPRESENTATIVE_SCOPE in scope.split()
        and is_active(representative)
    ):
        claims = contact_claims(representative) | claims
    verified = verified_claims(representative, requested)
    if verified is not None:
        claims["verified_claims"] = verified
    return claims
