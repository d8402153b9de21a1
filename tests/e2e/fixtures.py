"""A real `idp serve` process per test module, on each backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_MASTER_KEY, Backend
from tests.e2e.servers import IdpProcess, idp_env, new_port


def server_env(backend: Backend, data_dir: Path, database_url: str, issuer: str) -> dict[str, str]:
    return idp_env(
        issuer=issuer,
        data_dir=str(data_dir),
        database_url=database_url,
        redis_url=backend.redis_url,
        redis_prefix=f"e2e{uuid.uuid4().hex[:8]}:",
        master_key=TEST_MASTER_KEY.to_b64url(),
        log_level="warning",
    )


@pytest.fixture(scope="module")
def idp_server(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdpProcess]:
    folder = tmp_path_factory.mktemp("e2e")
    port = new_port()
    env = server_env(
        backend, folder, backend.fresh_database_url(folder), f"http://localhost:{port}"
    )
    server = IdpProcess(env, port).start(folder)
    yield server
    server.stop()
