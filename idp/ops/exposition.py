"""`/metrics`: the counters of `idp.metrics` and the outbox gauges, in Prometheus text.

With `PROMETHEUS_MULTIPROC_DIR` set (`idp serve --workers N` sets it), the counters are
read from every worker's files (prometheus-client's multiprocess mode); otherwise from
this process's registry. The outbox gauges are read from the database at scrape time, so
every worker reports the same, true figures: messages waiting, the age of the oldest
undelivered one, dead letters. A database that does not answer leaves them out and sets
`idp_outbox_readable` to 0.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from idp.clock import Clock
from idp.db import unit_of_work
from idp.outbox.service import outbox_figures

log = logging.getLogger("idp.ops")
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class OutboxGauges(Collector):
    def __init__(self, factory: sessionmaker[Session], clock: Clock) -> None:
        self._factory = factory
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        now: datetime = self._clock.now()
        try:
            with unit_of_work(self._factory) as db:
                figures = outbox_figures(db, now)
        except SQLAlchemyError as error:
            log.warning("outbox gauges unavailable: %s", type(error).__name__)
            yield _gauge("idp_outbox_readable", "1 when the outbox figures could be read.", 0)
            return
        yield _gauge("idp_outbox_readable", "1 when the outbox figures could be read.", 1)
        yield _gauge(
            "idp_outbox_depth",
            "Messages waiting for delivery (dead letters excluded).",
            figures.waiting,
        )
        yield _gauge(
            "idp_outbox_oldest_waiting_seconds",
            "Age of the oldest message waiting for delivery (0 when none).",
            figures.oldest_waiting_seconds,
        )
        yield _gauge(
            "idp_outbox_dead_letters",
            "Messages that ran out of attempts (`idp outbox dead-letters`).",
            figures.dead_letters,
        )


def counters_registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in prometheus-client
        return registry
    return REGISTRY


def render_metrics(gauges: CollectorRegistry) -> bytes:
    return generate_latest(counters_registry()) + generate_latest(gauges)


def outbox_registry(factory: sessionmaker[Session], clock: Clock) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxGauges(factory, clock))
    return registry
