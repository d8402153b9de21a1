"""OpenID Connect Back-Channel Logout 1.0: logout tokens for the portals of a session.

When a session ends, each portal signed into through it that registered a
`backchannel_logout_uri` gets a logout token (section 2.4: `typ: logout+jwt`, `iss`,
`aud`, `iat`, `exp`, `jti`, `events`, `sub`, `sid`, never a `nonce`). Tokens are queued in
the outbox in the ending transaction, and the dispatcher posts them with retries.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.authn.models import BrowserSessionRow
from idp.oauth.clients import find_client
from idp.outbox.service import enqueue
from keys import Keyring, sign_jwt

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TTL_SECONDS = 120


def logout_token_claims(
    issuer: str, subject: str, client_id: str, sid: str, now: int
) -> dict[str, Any]:
    return {
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_TTL_SECONDS,
        "jti": secrets.token_urlsafe(16),
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        "sid": sid,
    }


def announce_session_end(
    db: Session, row: BrowserSessionRow, *, issuer: str, keyring: Keyring, default_alg: str
) -> None:
    """Queue a logout token for every portal of the session that asked for them."""
    account = db.get(Account, row.account_id)
    if account is None or row.ended_at is None:
        return
    for client_id in row.client_ids:
        client = find_client(db, client_id)
        if client is None or not client.backchannel_logout_uri:
            continue
        alg = client.id_token_signed_response_alg or default_alg
        claims = logout_token_claims(
            issuer, account.subject, client_id, row.sid, int(row.ended_at.timestamp())
        )
        token = sign_jwt(keyring.signing_key(db, alg), claims, typ="logout+jwt")
        enqueue(
            db,
            kind="backchannel_logout",
            url=client.backchannel_logout_uri,
            content_type="application/x-www-form-urlencoded",
            body=urlencode({"logout_token": token}),
            now=row.ended_at,
        )
