"""OpenID Connect Back-Channel Logout 1.0: what happens when a browser session ends.

Every grant issued through the session is revoked (tokens issued through a browser
session end with it, DESIGN.md section 8), and each portal signed into through it that
registered a `backchannel_logout_uri` gets a logout token (section 2.4: `typ:
logout+jwt`, `iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub`, `sid`, never a
`nonce`), queued in the outbox in the ending transaction and posted with retries. The
token is signed when it is sent (`idp.outbox.delivery`): its `iat` and `exp` count from
the delivery, so a portal that was down for an hour still gets a valid token, with the
same `jti` on every attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.authn.models import BrowserSessionRow
from idp.clients.service import find_client
from idp.oauth.tokens import revoke_session_grants
from idp.outbox.service import TokenEnvelope, enqueue_token

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_TTL_SECONDS = 120


LOGOUT_TOKEN = TokenEnvelope(
    typ="logout+jwt",
    content_type="application/x-www-form-urlencoded",
    form_field="logout_token",
    ttl_seconds=LOGOUT_TOKEN_TTL_SECONDS,
)


def logout_token_claims(issuer: str, subject: str, client_id: str, sid: str) -> dict[str, Any]:
    """The claims queued; `iat`, `exp` and `jti` are added by the outbox."""
    return {
        "iss": issuer,
        "sub": subject,
        "aud": client_id,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        "sid": sid,
    }


class BackchannelLogout:
    """The `SessionEndListener` the service runs with (wired by `create_app`)."""

    def __init__(self, *, issuer: str, default_alg: str) -> None:
        self._issuer = issuer
        self._default_alg = default_alg

    def session_ended(self, db: Session, row: BrowserSessionRow, now: datetime) -> None:
        revoke_session_grants(db, row.sid, f"session_{row.ended_reason or 'ended'}"[:32], now)
        account = db.get(Account, row.account_id)
        if account is None:
            return
        for client_id in row.client_ids:
            client = find_client(db, client_id)
            if client is None or not client.backchannel_logout_uri:
                continue
            enqueue_token(
                db,
                kind="backchannel_logout",
                url=client.backchannel_logout_uri,
                claims=logout_token_claims(self._issuer, account.subject, client_id, row.sid),
                alg=client.id_token_signed_response_alg or self._default_alg,
                envelope=LOGOUT_TOKEN,
                now=now,
            )
