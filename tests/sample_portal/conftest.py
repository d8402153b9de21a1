"""One Passerelle and one sample portal per test module, both real processes on loopback.

The provider here always runs on its embedded defaults: the portal only talks HTTP, and
the provider's two backends are covered by tests/e2e.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from adapters.portals.loader import PROFILES_FOLDER
from tests.e2e.servers import IdpProcess, new_port
from tests.sample_portal.servers import (
    PortalProcess,
    portal_env,
    register_portal,
    start_provider,
)

PORTAL_NAME = "IRCC Portal"


@dataclass
class World:
    provider: IdpProcess
    portal: PortalProcess
    registration: dict[str, object]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("sample-portal")
    provider = start_provider(folder)
    port = new_port()
    try:
        registration = register_portal(provider, PORTAL_NAME, f"http://localhost:{port}")
        env = portal_env(provider, registration, port, PORTAL_NAME)
        env["PORTAL_PROFILE"] = str(PROFILES_FOLDER / "ircc-portal.toml")  # names its codes
        portal = PortalProcess(port, env)
        portal.start(folder)
    except BaseException:
        provider.stop()
        raise
    yield World(provider, portal, registration)
    portal.stop()
    provider.stop()
