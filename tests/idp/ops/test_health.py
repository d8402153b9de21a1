"""`/healthz` says the process serves; `/readyz` says whether the database, the store and
the signing keys are usable, naming what is not, within the readiness timeout."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from adapters import MemoryStore
from idp.app import create_app


class SilentStore(MemoryStore):
    """The in-process store, but its ping says no (as a Redis that refuses)."""

    def ping(self) -> bool:
        return False


class FrozenStore(MemoryStore):
    """The in-process store, but its ping hangs until `thaw` (as a SIGSTOPped Redis)."""

    def __init__(self, thaw: threading.Event) -> None:
        super().__init__()
        self._thaw = thaw

    def ping(self) -> bool:
        self._thaw.wait(30)
        return True


def _client_with_store(settings, components, store):
    app = create_app(settings, components=replace(components, store=store))
    return TestClient(app, base_url="https://testserver")


def test_healthz_answers_while_the_process_serves(browser):
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


def test_readyz_answers_ready_when_every_part_is_usable(browser):
    response = browser.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert set(body["checks"]) == {"database", "store", "signing_keys"}
    assert body["failing"] == []


def test_readyz_names_a_store_that_does_not_answer(settings, components, backend):
    if backend.is_real:
        pytest.skip("a fake store stands for Redis; one backend is enough")
    with _client_with_store(settings, components, SilentStore()) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["store"]
    assert int(response.headers["retry-after"]) > 0


def test_readyz_answers_within_its_timeout_when_a_part_hangs(settings, components, backend):
    if backend.is_real:
        pytest.skip("a fake store stands for Redis; one backend is enough")
    thaw = threading.Event()
    quick = settings.model_copy(update={"readiness_timeout_seconds": 0.3})
    try:
        with _client_with_store(quick, components, FrozenStore(thaw)) as client:
            started = time.monotonic()
            response = client.get("/readyz")
            elapsed = time.monotonic() - started
            again = client.get("/readyz")  # the hung check is waited for, not started twice
    finally:
        thaw.set()
    assert response.status_code == 503
    assert response.json()["checks"]["store"] == "no answer within 0.3 s"
    assert elapsed < 2.0
    assert again.status_code == 503
