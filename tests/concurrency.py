"""Run callables at the same moment in threads, for race tests (both backends).

Each job opens its own session and transaction; a barrier starts them together
(`run_together`), or the second starts while the first holds its write uncommitted
(`run_overlapping`, a double submit). A job's exception is returned in its place, so a
test asserts on every outcome.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

JOIN_TIMEOUT_SECONDS = 60


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except BaseException as error:  # handed back to the test to assert on
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a job is stuck (deadlock?)"
    return results


def run_overlapping(
    job: Callable[[int, Callable[[], None]], Any], hold_seconds: float = 0.5
) -> list[Any]:
    """A double submit: `job(0, written)` and `job(1, written)` each in a transaction of
    their own, the second started once the first has written and while it still holds its
    transaction open for `hold_seconds`. A job calls `written()` right after its write,
    inside its transaction. Returns both results (an exception in its place)."""
    first_wrote = threading.Event()

    def first_written() -> None:
        first_wrote.set()
        time.sleep(hold_seconds)  # the second now meets the uncommitted write

    def first() -> Any:
        return job(0, first_written)

    def second() -> Any:
        first_wrote.wait(JOIN_TIMEOUT_SECONDS)
        return job(1, lambda: None)

    return run_together(first, second)
