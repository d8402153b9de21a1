"""A real `idp serve` process per test module, on each backend.

The embedded backend mails to the development mailbox (a loopback issuer allows it); the
real one to the worker's SMTP server (`smtp_inbox`), as production must.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_MASTER_KEY, Backend
from tests.e2e.servers import IdpProcess, idp_env, new_port
from tests.mail import Inbox


def server_env(
    backend: Backend, data_dir: Path, database_url: str, issuer: str, smtp_url: str = ""
) -> dict[str, str]:
    return idp_env(
        issuer=issuer,
        data_dir=str(data_dir),
        database_url=database_url,
        redis_url=backend.redis_url,
        redis_prefix=f"e2e{uuid.uuid4().hex[:8]}:",
        master_key=TEST_MASTER_KEY.to_b64url(),
        smtp_url=smtp_url,
        log_level="warning",
    )


def backend_inbox(backend: Backend, request: pytest.FixtureRequest) -> Inbox | None:
    """The SMTP inbox a real-backend server mails to; None on the embedded backend."""
    if not backend.is_real:
        return None
    served: tuple[str, Inbox] = request.getfixturevalue("smtp_inbox")
    return served[1]


@pytest.fixture(scope="module")
def idp_server(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[IdpProcess]:
    folder = tmp_path_factory.mktemp("e2e")
    port = new_port()
    inbox = backend_inbox(backend, request)
    smtp_url = request.getfixturevalue("smtp_inbox")[0] if inbox is not None else ""
    env = server_env(
        backend, folder, backend.fresh_database_url(folder), f"http://localhost:{port}", smtp_url
    )
    server = IdpProcess(env, port, inbox=inbox).start(folder)
    yield server
    server.stop()
