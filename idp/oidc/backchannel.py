"""OpenID Connect Back-Channel Logout 1.0: what happens when a browser session ends.

Every grant issued through the session is revoked (tokens issued through a browser
session end with it, DESIGN.md section 8), and each portal signed into through it that
registered a `backchannel_logout_uri` gets a logout token (section 2.4: `typ:
logout+jwt`, `iss`, `aud`, `iat`, `exp`, `jti`, `events`, `sub`, `sid`, never a
`nonce`; `sub` as that portal knows the person, `idp.subjects`), queued in the outbox in
the ending transaction and posted with retries.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.authn.models import BrowserSessionRow
from idp.clients.service import find_client
from idp.oauth.tokens import revoke_session_grants
from idp.outbox.service import enqueue
from idp.subjects.service import SubjectIdentifiers
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


class BackchannelLogout:
    """The `SessionEndListener` the service runs with (wired by `create_app`)."""

    def __init__(
        self, *, issuer: str, keyring: Keyring, default_alg: str, subjects: SubjectIdentifiers
    ) -> None:
        self._issuer = issuer
        self._keyring = keyring
        self._default_alg = default_alg
        self._subjects = subjects

    def session_ended(self, db: Session, row: BrowserSessionRow, now: datetime) -> None:
        revoke_session_grants(db, row.sid, f"session_{row.ended_reason or 'ended'}"[:32], now)
        account = db.get(Account, row.account_id)
        if account is None:
            return
        for client_id in row.client_ids:
            client = find_client(db, client_id)
            if client is None or not client.backchannel_logout_uri:
                continue
            alg = client.id_token_signed_response_alg or self._default_alg
            subject = self._subjects.subject_for(db, account, client)
            claims = logout_token_claims(
                self._issuer, subject, client_id, row.sid, int(now.timestamp())
            )
            token = sign_jwt(self._keyring.signing_key(db, alg), claims, typ="logout+jwt")
            enqueue(
                db,
                kind="backchannel_logout",
                url=client.backchannel_logout_uri,
                content_type="application/x-www-form-urlencoded",
                body=urlencode({"logout_token": token}),
                now=now,
            )
