"""App-level fixtures: a runtime and a TestClient on it (https base URL: Secure cookies)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters import EphemeralStore
from idp.app import create_app
from idp.bootstrap import build_runtime
from idp.clock import ManualClock
from idp.runtime import Runtime
from idp.settings import Settings


@pytest.fixture
def runtime(settings: Settings, clock: ManualClock, store: EphemeralStore) -> Iterator[Runtime]:
    runtime = build_runtime(settings, clock=clock, store=store)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def app(settings: Settings, runtime: Runtime) -> FastAPI:
    return create_app(settings, runtime=runtime)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def portal(app: FastAPI) -> Iterator[TestClient]:
    """A second client with its own cookie jar: the portal's back channel."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client
