"""The legacy portal (MyCIC, registered from its profile as `idp portals sync` does)."""

from __future__ import annotations

import pytest

from tests.factories.idp import make_profile_client


@pytest.fixture
def mycic(components):
    client, _ = make_profile_client(components, "mycic")
    return client
