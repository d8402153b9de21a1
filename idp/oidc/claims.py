"""Which claims each scope releases (OIDC Core section 5.4), for userinfo and ID tokens,
and the claims a `claims` request parameter adds (section 5.5).

`locale` is always released: the Government of Canada OIDC profile asks portals to show
the person's language, `en` or `fr`. The `representative` scope releases an approved,
active representative's contact details for portals: `phone_number`, `address`, `email`
(the contact address they chose; the `email` scope's verified account address wins when
both are granted), `firm`, `representative_id`, `representative_type` and `membership`.
`verified_claims` (OpenID Connect for Identity Assurance) are added when the request asked
for them (`verified_claims.py`).

A portal registered from a profile (`idp portals sync`) receives only the claims its
profile lists (`within_profile`), whatever its scopes or `claims` request would otherwise
release; a client without a profile receives what its scopes release.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.oauth.claims_request import requested_in
from idp.oidc.verified_claims import verified_claims
from idp.representatives.service import contact_claims, find_representative, is_active

REPRESENTATIVE_SCOPE = "representative"
# Released whatever a profile lists: the identifier the other claims are about.
ALWAYS_RELEASED = frozenset({"sub"})


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
    allowed: Collection[str] | None = None,
) -> dict[str, Any]:
    """Every claim for `member` (`id_token` or `userinfo`): the scopes', then the
    representative's and the verified claims when granted or asked for. `subject` is the
    `sub` as the portal knows the person (`idp.subjects`: public or pairwise). `allowed`
    is the client's profile's `claims` list (`PortalProfiles.claims_of`), None without a
    profile: see `within_profile`."""
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
    return within_profile(claims, allowed)


def within_profile(claims: dict[str, Any], allowed: Collection[str] | None) -> dict[str, Any]:
    """The released claims a portal's profile lets it receive.

    `allowed` None (a client registered without a profile) keeps every claim. Otherwise
    only the profile's listed claims remain, and `sub` (`ALWAYS_RELEASED`), without which
    no other claim means anything. The filter applies to the person's claims only: the
    ID token's protocol claims (`iss`, `aud`, `azp`, `exp`, `iat`, `auth_time`, `nonce`,
    `acr`, `amr`, `sid`, `at_hash`; `id_token.py`) are added after it and always present,
    and access tokens (`act`, `authorization_details`, `scope`, `client_id`) are not
    claims released about the person, so a profile never limits them. A claim a profile
    lists but the scopes do not grant is still not released: the list narrows, never
    widens.
    """
    if allowed is None:
        return claims
    kept = ALWAYS_RELEASED | set(allowed)
    return {name: value for name, value in claims.items() if name in kept}
