"""ID tokens (OIDC Core sections 2 and 3.1.3.6).

Signed with the client's registered `id_token_signed_response_alg`, RS256 otherwise (the
default OIDC Registration section 2 sets). Carries `auth_time`, `acr`, `amr`, `sid`,
`nonce` when the request had one, `at_hash` (left half of the access token's hash with the
signing algorithm's hash function), and `locale` (the Government of Canada profile), with
the profile and email claims the granted scopes allow.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from idp.accounts.models import Account
from idp.oidc.claims import userinfo_claims

ALG_HASHES = {"RS256": hashlib.sha256, "ES256": hashlib.sha256, "EdDSA": hashlib.sha512}


def at_hash(access_token: str, alg: str) -> str:
    digest = ALG_HASHES[alg](access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def build_id_token_claims(
    *,
    issuer: str,
    account: Account,
    subject: str,
    client_id: str,
    scope: str,
    now: int,
    ttl_seconds: int,
    auth_time: int,
    acr: str,
    amr: list[str],
    sid: str,
    access_token: str | None,
    alg: str,
    nonce: str | None,
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client_id,
        "azp": client_id,
        "iat": now,
        "exp": now + ttl_seconds,
        "auth_time": auth_time,
        "acr": acr,
        "amr": amr,
        "sid": sid,
    }
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["at_hash"] = at_hash(access_token, alg)
    claims.update(userinfo_claims(account, subject, scope))
    return claims
