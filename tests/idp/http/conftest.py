"""The page tests' client: the demo app of `demo_pages.py`, over https."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.idp.http.demo_pages import demo_app


@pytest.fixture
def client():
    with TestClient(demo_app(), base_url="https://testserver") as client:
        yield client
