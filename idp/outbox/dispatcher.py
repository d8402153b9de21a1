"""The outbox dispatcher: in order per destination, in parallel across destinations.

Every `poll_seconds` a background thread claims the head of each destination that has
no delivery in flight (`idp.outbox.delivery.claim`) and hands it to a bounded thread
pool (`max_parallel` destinations at once). A worker keeps going with its destination's
next message while deliveries succeed, and stops at the first failure (the message waits
for its backoff; the later ones wait behind it). So a slow or dead portal holds one
worker and delays only its own messages. Every replica may run one (claims are leases);
`idp outbox deliver` and the tests run one pass with `deliver_now`.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from idp.clock import Clock
from idp.outbox.deadline import deadline_client
from idp.outbox.delivery import (
    DELIVERY_DEADLINE_SECONDS,
    DELIVERY_TIMEOUT_SECONDS,
    Delivery,
    claim,
    post,
    record,
)
from keys import Keyring

log = logging.getLogger("idp.outbox")
MAX_PARALLEL_DESTINATIONS = 8


class OutboxDispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        clock: Clock,
        keyring: Keyring,
        poll_seconds: float,
        *,
        max_parallel: int = MAX_PARALLEL_DESTINATIONS,
        deadline_seconds: float = DELIVERY_DEADLINE_SECONDS,
    ) -> None:
        self._factory = factory
        self._clock = clock
        self._keyring = keyring
        self._poll_seconds = poll_seconds
        self._max_parallel = max_parallel
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_parallel, thread_name_prefix="outbox-send")
        self._deadline_seconds = deadline_seconds
        self._http = deadline_client(DELIVERY_TIMEOUT_SECONDS)
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()
        self._database_down = False

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()

    def deliver_now(self) -> int:
        """One pass, waited for: every destination's due messages until its first failure.
        Returns how many were delivered."""
        return sum(future.result() for future in self._dispatch())

    def _run(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            self._pass()

    def _pass(self) -> None:
        """One background pass. A database that does not answer is one warning an outage
        (and a line when it answers again), not a traceback every poll; any other failure
        is logged with its traceback. Neither stops the dispatcher."""
        try:
            self._dispatch()
        except (OperationalError, InterfaceError) as down:
            if not self._database_down:
                log.warning("outbox waits: the database does not answer (%s)", _first_line(down))
            self._database_down = True
            return
        except Exception:  # the dispatcher's survival loop: a bad pass is logged, not fatal
            log.exception("outbox pass failed")
        if self._database_down:
            log.warning("outbox resumes: the database answers again")
        self._database_down = False

    def _dispatch(self) -> list[Future[int]]:
        with self._lock:
            busy = frozenset(self._in_flight)
        free = self._max_parallel - len(busy)
        if free <= 0:
            return []
        claimed = claim(self._factory, self._keyring, self._clock.now(), limit=free, busy=busy)
        futures = []
        for delivery in claimed:
            with self._lock:
                self._in_flight.add(delivery.destination)
            future = self._pool.submit(self._deliver_destination, delivery)
            future.add_done_callback(_log_worker_failure)
            futures.append(future)
        return futures

    def _deliver_destination(self, first: Delivery) -> int:
        delivered = 0
        try:
            delivery: Delivery | None = first
            while delivery is not None and not self._stop.is_set():
                failure = post(self._http, delivery, self._deadline_seconds)
                record(self._factory, delivery, failure, self._clock.now())
                if failure is not None:
                    break
                delivered += 1
                following = claim(
                    self._factory, self._keyring, self._clock.now(), limit=1, only=first.destination
                )
                delivery = following[0] if following else None
        finally:
            with self._lock:
                self._in_flight.discard(first.destination)
        return delivered


def _log_worker_failure(future: Future[int]) -> None:
    error = None if future.cancelled() else future.exception()
    if error is not None:
        log.error("outbox delivery worker failed: %s", type(error).__name__, exc_info=error)


def _first_line(error: Exception) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
