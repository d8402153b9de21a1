"""A background thread that delivers due outbox messages every `outbox_poll_seconds`.

Every replica runs one; `deliver_due` claims rows with SKIP LOCKED, so they never send a
message twice. `idp outbox deliver` runs one pass from the command line.
"""

from __future__ import annotations

import logging
import threading

import httpx

from idp.outbox.service import deliver_due
from idp.runtime import Runtime

log = logging.getLogger("idp.outbox")


class OutboxDispatcher:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
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
            return deliver_due(self._runtime.session_factory, http, self._runtime.clock.now())

    def _run(self) -> None:
        with httpx.Client() as http:
            while not self._stop.wait(self._runtime.settings.outbox_poll_seconds):
                try:
                    deliver_due(self._runtime.session_factory, http, self._runtime.clock.now())
                except Exception:  # the thread must survive a bad pass; logged
                    log.exception("outbox pass failed")
