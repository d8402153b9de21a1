"""App-level fixtures: the service's components and a TestClient on them (https base URL:
Secure cookies)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from adapters import EphemeralStore
from idp.app import create_app
from idp.bootstrap import Components, build_components
from idp.clock import ManualClock
from idp.settings import Settings


@pytest.fixture
def components(
    settings: Settings, clock: ManualClock, store: EphemeralStore
) -> Iterator[Components]:
    built = build_components(settings, clock=clock, store=store)
    yield built
    built.engine.dispose()


@pytest.fixture
def app(settings: Settings, components: Components) -> FastAPI:
    return create_app(settings, components=components)


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def portal(app: FastAPI) -> Iterator[TestClient]:
    """A second client with its own cookie jar: the portal's back channel."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client
