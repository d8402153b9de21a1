"""Whether an access token is still alive, answered from memory while nothing was revoked.

An access token of ours is alive while its grant is not revoked and its `jti` is not on
the deny-list (`tokens.is_access_token_alive`, one SQL read). Both change only through
writes. So every process remembers the "alive" answers it read, each stamped with the
*revocation generation* it saw before reading: a counter in the shared store that every
committed transaction that may have revoked something increments (`watch_revocations`).
An answer stamped with another generation is read again from the database.

- The counter is bumped in the committing thread, after the commit and before the request
  that revoked returns: any introspection that starts after a revocation was answered sees
  the new generation, on every process and replica (the counter is in Redis in
  production, in the in-process store embedded).
- "May have revoked" is decided conservatively: a flush that updates or deletes any row
  or adds a deny-listed `jti`, or any UPDATE, DELETE or INSERT statement. Sign-ins and
  other writes bump it too; they only cost a database read on the next introspection.
- If the bump cannot reach the store, or a command in another process writes without a
  store of its own (the CLI on the embedded defaults), remembered answers still expire
  after `LIVENESS_RECHECK_SECONDS`.

Delegated tokens are never answered from here alone: their delegation can expire without
a write, so `read_access_token` checks it every time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from adapters import AsyncStore, EphemeralStore, StoreUnavailable
from idp.oauth.models import RevokedAccessToken
from idp.oauth.tokens import is_access_token_alive

log = logging.getLogger("idp.oauth.liveness")

GENERATION_KEY = "revocations:generation"
GENERATION_TTL_SECONDS = 30 * 24 * 3600  # renewed by every bump; an expired one reads as 0
LIVENESS_RECHECK_SECONDS = 2.0
READ_PAUSE_SECONDS = 5.0
MAX_REMEMBERED_TOKENS = 100_000
MAY_REVOKE = "idp.may_revoke"


class RevocationGeneration:
    """The shared counter. `current` and `bump` run in threads (the store may be Redis);
    `current_async` runs on the event loop and never blocks (None: unknown right now).

    Reading is optional (unknown means "read the database"), so after the store failed
    to answer, reads are not tried again for `READ_PAUSE_SECONDS`: an outage of Redis
    costs introspection one timeout, not one per request. A bump is always tried."""

    def __init__(
        self,
        store: EphemeralStore,
        reader: AsyncStore | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._reader = reader
        self._now = monotonic
        self._paused_until = 0.0

    def _paused(self) -> bool:
        return self._now() < self._paused_until

    def _pause(self) -> None:
        self._paused_until = self._now() + READ_PAUSE_SECONDS
        log.warning("revocation generation unreadable: reading the database meanwhile")

    def current(self) -> bytes | None:
        if self._paused():
            return None
        try:
            return self._store.get(GENERATION_KEY) or b"0"
        except StoreUnavailable:
            self._pause()
            return None

    async def current_async(self) -> bytes | None:
        if self._reader is None or self._paused():
            return None
        try:
            return (await self._reader.get(GENERATION_KEY)) or b"0"
        except Exception:  # unknown: the caller reads the database instead
            self._pause()
            return None

    def bump(self) -> bool:
        try:
            self._store.incr(GENERATION_KEY, GENERATION_TTL_SECONDS)
        except StoreUnavailable:
            log.error("revocation generation not bumped: remembered answers expire on time")
            return False
        return True


class TokenLiveness:
    """Per-process memory of access tokens read alive, keyed by (grant id, jti)."""

    def __init__(
        self,
        generation: RevocationGeneration,
        recheck_seconds: float = LIVENESS_RECHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.generation = generation
        self._recheck = recheck_seconds
        self._now = monotonic
        self._alive: dict[tuple[str, str], tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def remembered_alive(self, grant_id: str, jti: str, generation: bytes | None) -> bool:
        """True only if this token was read alive at `generation`, recently."""
        if generation is None:
            return False
        entry = self._alive.get((grant_id, jti))
        return (
            entry is not None and entry[0] == generation and self._now() - entry[1] < self._recheck
        )

    def is_alive(self, session: Session, grant_id: str, jti: str) -> bool:
        generation = self.generation.current()  # before the read: a later bump voids it
        if self.remembered_alive(grant_id, jti, generation):
            return True
        alive = is_access_token_alive(session, grant_id, jti)
        if alive and generation is not None:
            with self._lock:
                if len(self._alive) >= MAX_REMEMBERED_TOKENS:
                    self._alive.clear()
                self._alive[(grant_id, jti)] = (generation, self._now())
        return alive

    def forget_all(self) -> None:
        with self._lock:
            self._alive.clear()


def _note_flush(session: Session, _context: Any, _instances: Any) -> None:
    if (
        session.dirty
        or session.deleted
        or any(isinstance(obj, RevokedAccessToken) for obj in session.new)
    ):
        session.info[MAY_REVOKE] = True


def _note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[MAY_REVOKE] = True


def _forget_mark(session: Session, *_args: Any) -> None:
    session.info.pop(MAY_REVOKE, None)


def watch_revocations(factory: sessionmaker[Session], liveness: TokenLiveness) -> None:
    """Bump the generation after every commit of this factory's sessions that may revoke."""

    def after_commit(session: Session) -> None:
        if session.info.pop(MAY_REVOKE, False) and not liveness.generation.bump():
            liveness.forget_all()  # this process at least forgets at once

    event.listen(factory, "before_flush", _note_flush)
    event.listen(factory, "do_orm_execute", _note_statement)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", _forget_mark)
