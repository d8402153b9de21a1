"""Browser sign-in sessions: one row each, so a person can list and end them anywhere.

The cookie carries a 256-bit random secret; the row keeps only its SHA-256, so a database
dump hands out no live cookie. `sid` is a separate public identifier that goes into ID
tokens and logout tokens (OIDC Back-Channel Logout) and never authenticates anything.
Sessions live in the database rather than the ephemeral store because the account
console lists them and every replica must agree when one is ended. Ending a session
calls `on_end` in the same transaction (the back-channel logout announcements).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from idp.authn.models import BrowserSessionRow
from idp.clock import Clock

SESSION_COOKIE = "idp_session"
MAX_COOKIE_LENGTH = 100
MAX_USER_AGENT_LENGTH = 300
LAST_SEEN_GRANULARITY_SECONDS = 300


@dataclass(frozen=True, slots=True)
class BrowserSession:
    sid: str
    account_id: str
    auth_time: int
    amr: list[str]
    acr: str
    created_at: int
    client_ids: list[str]
    user_agent: str
    ip: str
    last_seen_at: int

    @classmethod
    def from_row(cls, row: BrowserSessionRow) -> BrowserSession:
        return cls(
            sid=row.sid,
            account_id=row.account_id,
            auth_time=int(row.auth_time.timestamp()),
            amr=list(row.amr),
            acr=row.acr,
            created_at=int(row.created_at.timestamp()),
            client_ids=list(row.client_ids),
            user_agent=row.user_agent,
            ip=row.ip,
            last_seen_at=int(row.last_seen_at.timestamp()),
        )


OnEnd = Callable[[Session, BrowserSessionRow], None]


def _digest(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


class BrowserSessions:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        ttl_seconds: int,
        on_end: OnEnd | None = None,
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._ttl = ttl_seconds
        self._on_end = on_end

    def _live_row(self, db: Session, cookie_value: str | None) -> BrowserSessionRow | None:
        if not cookie_value or len(cookie_value) > MAX_COOKIE_LENGTH:
            return None
        row = db.scalar(
            select(BrowserSessionRow).where(
                BrowserSessionRow.cookie_digest == _digest(cookie_value)
            )
        )
        if row is None or row.ended_at is not None or row.expires_at <= self._clock.now():
            return None
        return row

    def start(
        self,
        account_id: str,
        amr: list[str],
        acr: str,
        now: datetime,
        *,
        user_agent: str = "",
        ip: str = "",
    ) -> tuple[str, BrowserSession]:
        cookie_value = secrets.token_urlsafe(32)
        row = BrowserSessionRow(
            sid=secrets.token_urlsafe(16),
            account_id=account_id,
            cookie_digest=_digest(cookie_value),
            created_at=now,
            auth_time=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=self._ttl),
            amr=amr,
            acr=acr,
            user_agent=user_agent[:MAX_USER_AGENT_LENGTH],
            ip=ip[:64],
            client_ids=[],
        )
        with self._factory() as db, db.begin():
            db.add(row)
            db.flush()
            return cookie_value, BrowserSession.from_row(row)

    def find(self, cookie_value: str | None) -> BrowserSession | None:
        with self._factory() as db, db.begin():
            row = self._live_row(db, cookie_value)
            if row is None:
                return None
            now = self._clock.now()
            if (now - row.last_seen_at).total_seconds() > LAST_SEEN_GRANULARITY_SECONDS:
                row.last_seen_at = now
            return BrowserSession.from_row(row)

    def add_client(self, cookie_value: str, session: BrowserSession, client_id: str) -> None:
        """Remember a portal signed into through this session (for logout)."""
        if client_id in session.client_ids:
            return
        with self._factory() as db, db.begin():
            row = self._live_row(db, cookie_value)
            if row is not None and client_id not in row.client_ids:
                row.client_ids = [*row.client_ids, client_id]

    def step_up(self, cookie_value: str, amr: list[str], acr: str) -> BrowserSession | None:
        """Record a second factor proven in this session (acr_values step-up)."""
        with self._factory() as db, db.begin():
            row = self._live_row(db, cookie_value)
            if row is None:
                return None
            row.amr = list(dict.fromkeys([*row.amr, *amr]))
            row.acr = acr
            row.auth_time = self._clock.now()
            return BrowserSession.from_row(row)

    def _end_row(self, db: Session, row: BrowserSessionRow, reason: str) -> BrowserSession:
        row.ended_at = self._clock.now()
        row.ended_reason = reason
        if self._on_end is not None:
            self._on_end(db, row)
        return BrowserSession.from_row(row)

    def end(self, cookie_value: str | None, reason: str = "logout") -> BrowserSession | None:
        with self._factory() as db, db.begin():
            row = self._live_row(db, cookie_value)
            return self._end_row(db, row, reason) if row is not None else None

    def list_for_account(self, account_id: str) -> list[BrowserSession]:
        now = self._clock.now()
        with self._factory() as db:
            rows = db.scalars(
                select(BrowserSessionRow)
                .where(
                    BrowserSessionRow.account_id == account_id,
                    BrowserSessionRow.ended_at.is_(None),
                    BrowserSessionRow.expires_at > now,
                )
                .order_by(BrowserSessionRow.last_seen_at.desc())
            )
            return [BrowserSession.from_row(r) for r in rows]

    def end_by_sid(self, account_id: str, sid: str, reason: str) -> BrowserSession | None:
        with self._factory() as db, db.begin():
            row = db.get(BrowserSessionRow, sid)
            if row is None or row.account_id != account_id or row.ended_at is not None:
                return None
            return self._end_row(db, row, reason)

    def end_all(self, account_id: str, reason: str, *, except_sid: str | None = None) -> int:
        with self._factory() as db, db.begin():
            rows = db.scalars(
                select(BrowserSessionRow).where(
                    BrowserSessionRow.account_id == account_id, BrowserSessionRow.ended_at.is_(None)
                )
            )
            ended = [self._end_row(db, r, reason) for r in rows if r.sid != except_sid]
            return len(ended)
