"""Readiness (`/readyz`): the database, the store and the signing keys, usable now.

Each part is checked in a small thread pool of its own and waited for at most
`timeout_seconds`, so a frozen dependency makes the probe answer 503 naming it instead of
hanging the probe. A check still running from an earlier probe is waited for again rather
than started twice, so a long outage never piles up threads (one per part at most).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from adapters import EphemeralStore, StoreUnavailable
from idp.db import unit_of_work
from keys import Keyring, KeyringError


class NotReady(Exception):
    """A part answered, but is not usable (the store's ping said no)."""


@dataclass(frozen=True, slots=True)
class PartStatus:
    ok: bool
    detail: str


def _failure(error: BaseException) -> str:
    if isinstance(error, SQLAlchemyError):
        cause = getattr(error, "orig", None) or error
        return f"database error ({type(cause).__name__})"
    if isinstance(error, KeyringError):
        return f"{error.code}: {error.message}"
    return str(error) or type(error).__name__


class Readiness:
    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        store: EphemeralStore,
        keyring: Keyring,
        algs: Iterable[str],
        timeout_seconds: float,
    ) -> None:
        self._factory, self._store, self._keyring = factory, store, keyring
        self._algs = tuple(algs)
        self._timeout = timeout_seconds
        self._checks: dict[str, Callable[[], str]] = {
            "database": self._check_database,
            "store": self._check_store,
            "signing_keys": self._check_signing_keys,
        }
        self._pool = ThreadPoolExecutor(len(self._checks), thread_name_prefix="readyz")
        self._running: dict[str, Future[str]] = {}
        self._lock = Lock()

    def check(self) -> dict[str, PartStatus]:
        futures = {name: self._start(name) for name in self._checks}
        deadline = time.monotonic() + self._timeout
        return {name: self._outcome(future, deadline) for name, future in futures.items()}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _start(self, name: str) -> Future[str]:
        with self._lock:
            running = self._running.get(name)
            if running is None or running.done():
                running = self._pool.submit(self._checks[name])
                self._running[name] = running
            return running

    def _outcome(self, future: Future[str], deadline: float) -> PartStatus:
        try:
            detail = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            return PartStatus(False, f"no answer within {self._timeout:g} s")
        except (SQLAlchemyError, StoreUnavailable, KeyringError, NotReady) as error:
            return PartStatus(False, _failure(error))
        return PartStatus(True, detail)

    def _check_database(self) -> str:
        with self._factory() as db:
            db.execute(text("SELECT 1"))
        return "ok"

    def _check_store(self) -> str:
        if not self._store.ping():
            raise NotReady("the store did not answer a ping")
        return "ok"

    def _check_signing_keys(self) -> str:
        with unit_of_work(self._factory) as db:
            kids = [self._keyring.signing_key(db, alg).kid for alg in self._algs]
        return f"ok ({len(kids)} current keys)"
