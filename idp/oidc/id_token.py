"""ID tokens (OIDC Core sections 2 and 3.1.3.6).

Signed with the client's registered `id_token_signed_response_alg`, RS256 otherwise (the
default OIDC Registration section 2 sets). Carries `auth_time`, `acr` (one of the values an
essential `acr` request asked for, section 5.5.1.1), `amr`, `sid`, `nonce` when the request
had one, `at_hash` (left half of the access token's hash with the signing algorithm's hash
function), and `locale` (the Government of Canada profile), with
the claims the granted scopes allow and the `verified_claims` the `claims` request
parameter asked for (`claims.py`), narrowed to its profile's `claims` list when the
client was registered from a portal profile.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from idp.accounts.models import Account
from idp.clients.profiles import PortalProfiles
from idp.oauth.claims_request import acr_to_return
from idp.oidc.claims import released_claims
from keys import sign_jwt

ALG_HASHES = {"RS256": hashlib.sha256, "ES256": hashlib.sha256, "EdDSA": hashlib.sha512}


def at_hash(access_token: str, alg: str) -> str:
    digest = ALG_HASHES[alg](access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


def build_id_token_claims(
    *,
    issuer: str,
    released: dict[str, Any],
    client_id: str,
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
    claims.update(released)
    return claims


class IdTokenExtension:
    """Adds the ID token to token responses of `openid` grants (OIDC Core 3.1.3.3, 12.2).

    Registered on the OAuth server's code and refresh grants by `create_oauth_server`;
    `profiles` says which claims a portal registered from a profile may receive.
    """

    def __init__(self, profiles: PortalProfiles) -> None:
        self.profiles = profiles

    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_create_token_response", self.add_id_token)

    def add_id_token(self, grant: Any, response: Any) -> None:
        _, token, _ = response
        server, ctx = grant.server, grant.request.ctx
        row = ctx.grant
        if row is None or "openid" not in token.get("scope", "").split():
            return
        client = grant.request.client
        account: Account = grant.request.user
        alg = client.id_token_signed_response_alg or server.config.id_token_default_alg
        code = getattr(grant.request, "authorization_code", None)
        subject = server.subjects.subject_for(ctx.db, account, client)
        released = released_claims(
            ctx.db,
            account,
            token["scope"],
            row.claims_request,
            "id_token",
            subject=subject,
            allowed=self.profiles.claims_of(client),
        )
        claims = build_id_token_claims(
            issuer=server.config.issuer,
            released=released,
            client_id=client.client_id,
            now=ctx.timestamp,
            ttl_seconds=server.config.id_token_ttl_seconds,
            auth_time=int(row.auth_time.timestamp()) if row.auth_time else 0,
            acr=acr_to_return(row.claims_request, row.acr or ""),
            amr=list(row.amr),
            sid=row.sid or "",
            access_token=token.get("access_token"),
            alg=alg,
            nonce=code.nonce if code is not None else None,
        )
        key = server.keyring.signing_key(ctx.db, alg)
        token["id_token"] = sign_jwt(key, claims, typ="JWT")
