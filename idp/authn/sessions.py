"""Browser sign-in sessions: one row each, so a person can list and end them anywhere.

The cookie carries a 256-bit random secret; the row keeps only its SHA-256, so a database
dump hands out no live cookie. `sid` is a separate public identifier that goes into ID
tokens and logout tokens (OIDC Back-Channel Logout) and never authenticates anything.
Sessions live in the database rather than the ephemeral store because the account
console lists them and every replica must agree when one is ended.

Ending a session tells a `SessionEndListener` in the same transaction (the composition
root wires the back-channel logout announcements there), and revokes every grant issued
through it: tokens issued through a browser session end with it (DESIGN.md section 8).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from idp.accounts.models import Account
from idp.authn.models import BrowserSessionRow

MAX_COOKIE_LENGTH = 100
MAX_USER_AGENT_LENGTH = 300
MAX_IP_LENGTH = 64
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


class SessionEndListener(Protocol):
    """What happens when a session ends (back-channel logout, grant revocation)."""

    def session_ended(self, db: Session, row: BrowserSessionRow, now: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    ttl_seconds: int


def _digest(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


# The statements of a sign-in are built once, here: building one costs more than SQLite
# takes to run it (~0.1-0.4 ms a call for a select, more with subqueries or a join).
_BY_DIGEST = select(BrowserSessionRow).where(BrowserSessionRow.cookie_digest == bindparam("digest"))
_WITH_ACCOUNT = _BY_DIGEST.add_columns(Account).join(
    Account, Account.id == BrowserSessionRow.account_id
)
_LOCKED_BY_DIGEST = _BY_DIGEST.with_for_update()
_LOCKED_WITH_ACCOUNT = _WITH_ACCOUNT.with_for_update(of=BrowserSessionRow)
_INSERT_SESSION = insert(BrowserSessionRow)
_SET_CLIENT_IDS = (
    update(BrowserSessionRow)
    .where(BrowserSessionRow.sid == bindparam("session_id"))
    .values(client_ids=bindparam("new_client_ids", type_=BrowserSessionRow.client_ids.type))
    .execution_options(synchronize_session=False)  # the caller holds the list it wrote
)


def _cookie_digest(cookie_value: str | None) -> dict[str, str] | None:
    """The parameters that find the row of this cookie, or None for no usable cookie."""
    if not cookie_value or len(cookie_value) > MAX_COOKIE_LENGTH:
        return None
    return {"digest": _digest(cookie_value)}


def _is_live(row: BrowserSessionRow | None, now: datetime) -> bool:
    return row is not None and row.ended_at is None and row.expires_at > now


def _live_row(
    db: Session, cookie_value: str | None, now: datetime, *, lock: bool = False
) -> BrowserSessionRow | None:
    found_by = _cookie_digest(cookie_value)
    if found_by is None:
        return None
    row = db.scalar(_LOCKED_BY_DIGEST if lock else _BY_DIGEST, found_by)
    return row if _is_live(row, now) else None


def start_session(
    db: Session,
    policy: SessionPolicy,
    *,
    account_id: str,
    amr: list[str],
    acr: str,
    now: datetime,
    user_agent: str = "",
    ip: str = "",
) -> tuple[str, BrowserSession]:
    """A new session; returns the cookie value (shown once) and the session."""
    cookie_value, stamp = secrets.token_urlsafe(32), int(now.timestamp())
    session = BrowserSession(
        sid=secrets.token_urlsafe(16),
        account_id=account_id,
        auth_time=stamp,
        amr=list(amr),
        acr=acr,
        created_at=stamp,
        client_ids=[],
        user_agent=user_agent[:MAX_USER_AGENT_LENGTH],
        ip=ip[:MAX_IP_LENGTH],
        last_seen_at=stamp,
    )
    db.execute(  # written at once, not kept in the ORM's identity map: no flush to plan
        _INSERT_SESSION,
        {
            "sid": session.sid,
            "account_id": account_id,
            "cookie_digest": _digest(cookie_value),
            "created_at": now,
            "auth_time": now,
            "last_seen_at": now,
            "expires_at": now + timedelta(seconds=policy.ttl_seconds),
            "amr": session.amr,
            "acr": acr,
            "user_agent": session.user_agent,
            "ip": session.ip,
            "client_ids": [],
        },
    )
    return cookie_value, session


def _seen(row: BrowserSessionRow, now: datetime) -> BrowserSession:
    if (now - row.last_seen_at).total_seconds() > LAST_SEEN_GRANULARITY_SECONDS:
        row.last_seen_at = now
    return BrowserSession.from_row(row)


def find_session(db: Session, cookie_value: str | None, now: datetime) -> BrowserSession | None:
    row = _live_row(db, cookie_value, now)
    return None if row is None else _seen(row, now)


def find_session_and_account(
    db: Session, cookie_value: str | None, now: datetime, *, lock: bool = False
) -> tuple[BrowserSession, Account] | None:
    """The live session of this cookie and its account, in one statement; `lock`: the
    session row stays locked until the transaction ends (see `add_client`)."""
    found_by = _cookie_digest(cookie_value)
    if found_by is None:
        return None
    found = db.execute(_LOCKED_WITH_ACCOUNT if lock else _WITH_ACCOUNT, found_by).first()
    if found is None or not _is_live(found[0], now):
        return None
    return _seen(found[0], now), found[1]


def add_client(db: Session, sid: str, client_id: str) -> None:
    """Remember a portal signed into through this session (for logout), atomically.

    The row is locked while the list is rewritten, so two authorizations at once for two
    portals cannot lose one of them (and that portal its logout).
    """
    row = db.get(BrowserSessionRow, sid, with_for_update=True)
    if row is not None and row.ended_at is None and client_id not in row.client_ids:
        row.client_ids = [*row.client_ids, client_id]


def add_client_to_locked(db: Session, browser: BrowserSession, client_id: str) -> None:
    """`add_client` for a session read with `lock=True` in this transaction (the
    authorization endpoints read it so): its list is current, so it is written at once."""
    if client_id not in browser.client_ids:
        db.execute(
            _SET_CLIENT_IDS,
            {"session_id": browser.sid, "new_client_ids": [*browser.client_ids, client_id]},
        )


@dataclass(frozen=True, slots=True)
class RaisedSession:
    """A session after a step-up, and the new cookie that now carries it."""

    cookie_value: str
    max_age_seconds: int
    session: BrowserSession


def step_up_session(
    db: Session, cookie_value: str, *, account_id: str, amr: list[str], acr: str, now: datetime
) -> RaisedSession | None:
    """Record a second factor proven in this session; only the account that proved it.

    A step-up elevates only the session of the account that proved the factor (DESIGN.md
    section 8): a factor proven for another account leaves this session as it was. The
    raised session gets a new cookie and the old one stops working (OWASP session
    management: a new identifier at every privilege change), so a copy of the password-only
    cookie taken earlier never becomes a second-factor session.
    """
    row = _live_row(db, cookie_value, now, lock=True)
    if row is None or row.account_id != account_id:
        return None
    row.amr = list(dict.fromkeys([*row.amr, *amr]))
    row.acr = acr
    row.auth_time = now
    new_cookie = secrets.token_urlsafe(32)
    row.cookie_digest = _digest(new_cookie)
    remaining = max(int((row.expires_at - now).total_seconds()), 0)
    return RaisedSession(new_cookie, remaining, BrowserSession.from_row(row))


def _end_row(
    db: Session, row: BrowserSessionRow, reason: str, now: datetime, listener: SessionEndListener
) -> None:
    row.ended_at = now
    row.ended_reason = reason
    listener.session_ended(db, row, now)


def end_session(
    db: Session,
    cookie_value: str | None,
    *,
    reason: str,
    now: datetime,
    listener: SessionEndListener,
) -> BrowserSession | None:
    row = _live_row(db, cookie_value, now, lock=True)
    if row is None:
        return None
    _end_row(db, row, reason, now, listener)
    return BrowserSession.from_row(row)


def list_sessions(db: Session, account_id: str, now: datetime) -> list[BrowserSession]:
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


def end_session_by_sid(
    db: Session,
    account_id: str,
    sid: str,
    *,
    reason: str,
    now: datetime,
    listener: SessionEndListener,
) -> BrowserSession | None:
    row = db.get(BrowserSessionRow, sid[:64], with_for_update=True)
    if row is None or row.account_id != account_id or row.ended_at is not None:
        return None
    _end_row(db, row, reason, now, listener)
    return BrowserSession.from_row(row)


def end_all_sessions(
    db: Session,
    account_id: str,
    *,
    reason: str,
    now: datetime,
    listener: SessionEndListener,
    except_sid: str | None = None,
) -> int:
    rows = db.scalars(
        select(BrowserSessionRow)
        .where(BrowserSessionRow.account_id == account_id, BrowserSessionRow.ended_at.is_(None))
        .with_for_update()
    ).all()
    ended = [r for r in rows if r.sid != except_sid]
    for row in ended:
        _end_row(db, row, reason, now, listener)
    return len(ended)


def expire_idle_rows(db: Session, now: datetime) -> int:
    """Mark sessions past their expiry as ended (housekeeping; they are refused anyway)."""
    result = db.execute(
        update(BrowserSessionRow)
        .where(BrowserSessionRow.ended_at.is_(None), BrowserSessionRow.expires_at <= now)
        .values(ended_at=now, ended_reason="expired")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE
