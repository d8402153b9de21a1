"""A background thread that delivers due outbox messages every `outbox_poll_seconds`.

Every replica runs one; `deliver_due` claims rows with SKIP LOCKED, so they never send a
message twice. `idp outbox deliver` runs one pass from the command line.
"""

from __future__ import annotations

import logging
import threading

import httpx
from sqlalchemy.orm import Session, sessionmaker

from idp.clock import Clock
from idp.outbox.service import deliver_due

log = logging.getLogger("idp.outbox")


class OutboxDispatcher:
    def __init__(self, factory: sessionmaker[Session], clock: Clock, poll_seconds: float) -> None:
        self._factory = factory
        self._clock = clock
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def deliver_now(self) -> int:
        with httpx.Client() as http:
            return deliver_due(self._factory, http, self._clock.now())

    def _run(self) -> None:
        with httpx.Client() as http:
            while not self._stop.wait(self._poll_seconds):
                try:
                    deliver_due(self._factory, http, self._clock.now())
                except Exception:  # the thread must survive a bad pass; logged
                    log.exception("outbox pass failed")
