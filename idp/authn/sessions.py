"""Browser sign-in sessions, kept in the ephemeral store (Redis in production).

The cookie carries a 256-bit random secret; the store key is its SHA-256, so a leaked
store dump does not hand out live cookies. `sid` is a separate public identifier that
goes into ID tokens (OIDC Front-/Back-Channel Logout) and never authenticates anything.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

from adapters import EphemeralStore

SESSION_COOKIE = "idp_session"


@dataclass(frozen=True, slots=True)
class BrowserSession:
    sid: str
    account_id: str
    auth_time: int
    amr: list[str]
    acr: str
    created_at: int
    client_ids: list[str] = field(default_factory=list)


class BrowserSessions:
    def __init__(self, store: EphemeralStore, ttl_seconds: int) -> None:
        self._store = store
        self._ttl = ttl_seconds

    @staticmethod
    def _key(cookie_value: str) -> str:
        return "session:" + hashlib.sha256(cookie_value.encode()).hexdigest()

    def start(
        self, account_id: str, amr: list[str], acr: str, now: datetime
    ) -> tuple[str, BrowserSession]:
        cookie_value = secrets.token_urlsafe(32)
        at = int(now.timestamp())
        session = BrowserSession(
            sid=secrets.token_urlsafe(16),
            account_id=account_id,
            auth_time=at,
            amr=amr,
            acr=acr,
            created_at=at,
        )
        self._save(cookie_value, session)
        return cookie_value, session

    def _save(self, cookie_value: str, session: BrowserSession) -> None:
        self._store.set(self._key(cookie_value), json.dumps(asdict(session)).encode(), self._ttl)

    def find(self, cookie_value: str | None) -> BrowserSession | None:
        if not cookie_value or len(cookie_value) > 100:
            return None
        raw = self._store.get(self._key(cookie_value))
        return BrowserSession(**json.loads(raw)) if raw else None

    def add_client(self, cookie_value: str, session: BrowserSession, client_id: str) -> None:
        """Remember a portal signed into through this session (for logout)."""
        if client_id in session.client_ids:
            return
        updated = BrowserSession(
            **{**asdict(session), "client_ids": [*session.client_ids, client_id]}
        )
        self._save(cookie_value, updated)

    def end(self, cookie_value: str | None) -> BrowserSession | None:
        if not cookie_value or len(cookie_value) > 100:
            return None
        raw = self._store.pop(self._key(cookie_value))
        return BrowserSession(**json.loads(raw)) if raw else None
