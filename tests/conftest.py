"""Fixtures shared by every suite: the two backends, migrated databases, the app.

Every test that (indirectly) asks for `backend` runs twice: `embedded` (SQLite file +
in-process store) and `real` (PostgreSQL + Redis started from the binaries on PATH, one
pair per xdist worker). `--backend embedded|real` picks one. Under CI=true a server that
cannot start fails the run instead of skipping.

Each test gets a fresh database copied from a template that is migrated (`alembic
upgrade head`) and holds signing keys once per session, so a test costs a file copy or
a `CREATE DATABASE ... TEMPLATE`, not a migration and an RSA key generation.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from adapters import EphemeralStore, MemoryStore, RedisStore
from idp.app import create_app
from idp.bootstrap import Components, build_components
from idp.clock import ManualClock
from idp.db import create_db_engine, create_session_factory
from idp.migrations.runner import upgrade_database
from idp.settings import Settings
from keys import MasterKey, ensure_signing_keys
from tests.mail import Inbox, smtp_server
from tests.password_hashing import TEST_PASSWORD_HASHING
from tests.servers import PostgresServer, RedisServer, ServerUnavailable

for _name, _value in TEST_PASSWORD_HASHING.items():  # OWASP's floor: see password_hashing.py
    os.environ.setdefault(_name, _value)

TEST_MASTER_KEY = MasterKey.from_b64url("dGVzdC1tYXN0ZXIta2V5LW9mLTMyLWJ5dGVzLSEhISE")
BACKENDS = ("embedded", "real")
_counter = itertools.count()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="both",
        help="which backend(s) the suites run on",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        params = BACKENDS if chosen == "both" else (chosen,)
        metafunc.parametrize("backend", params, scope="session", indirect=True)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and a real server is unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def pg_server(work_dir: Path) -> Iterator[PostgresServer]:
    try:
        # A short path: the socket path must fit in 107 bytes, pytest's tmp paths do not.
        server = PostgresServer.start(Path(f"/tmp/idp-pg-{uuid.uuid4().hex[:8]}"))  # noqa: S108
    except (ServerUnavailable, OSError) as error:
        _unavailable(str(error))
    except Exception as error:  # any start failure is reported the same way
        _unavailable(f"postgres did not start: {error}")
    yield server
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(work_dir: Path) -> Iterator[RedisServer]:
    try:
        server = RedisServer.start(work_dir / "redis")
    except (ServerUnavailable, OSError) as error:
        _unavailable(str(error))
    yield server
    server.stop()


@dataclass
class Backend:
    name: str
    template: str  # sqlite file path or template database name
    pg: PostgresServer | None = None
    redis_url: str = ""

    @property
    def is_real(self) -> bool:
        return self.name == "real"

    def fresh_database_url(self, folder: Path) -> str:
        n = next(_counter)
        if self.pg is None:
            target = folder / f"db{n}.sqlite3"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.pg.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.pg.url(name)


def _prepare_template(engine: Engine) -> None:
    upgrade_database(engine)
    factory = create_session_factory(engine)
    with factory() as session, session.begin():
        ensure_signing_keys(session, TEST_MASTER_KEY, ("ES256", "RS256"), ManualClock().now())
    engine.dispose()


@pytest.fixture(scope="session")
def backend_cache() -> dict[str, Backend]:
    """Templates built once per session: pytest re-creates a parametrized session fixture
    each time the test order switches parameters, so the work is cached here."""
    return {}


@pytest.fixture(scope="session")
def backend(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    backend_cache: dict[str, Backend],
) -> Backend:
    name: str = request.param
    if name in backend_cache:
        return backend_cache[name]
    if name == "embedded":
        folder = tmp_path_factory.mktemp("sqlite-template")
        path = folder / "template.sqlite3"
        _prepare_template(create_db_engine(f"sqlite:///{path}"))
        backend_cache[name] = Backend("embedded", str(path))
    else:
        pg: PostgresServer = request.getfixturevalue("pg_server")
        redis_server: RedisServer = request.getfixturevalue("redis_server")
        template = f"template_{uuid.uuid4().hex[:8]}"
        pg.execute(f'CREATE DATABASE "{template}"')
        _prepare_template(create_db_engine(pg.url(template)))
        backend_cache[name] = Backend("real", template, pg=pg, redis_url=redis_server.url)
    return backend_cache[name]


@pytest.fixture
def database_url(backend: Backend, tmp_path: Path) -> str:
    return backend.fresh_database_url(tmp_path)


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session on a fresh migrated database; the test's changes are rolled back."""
    factory = create_session_factory(db_engine)
    with factory() as session, session.begin():
        yield session
        session.rollback()


@pytest.fixture
def store(backend: Backend) -> Iterator[EphemeralStore]:
    if backend.is_real:
        redis_store = RedisStore(backend.redis_url, prefix=f"test{uuid.uuid4().hex[:8]}:")
        yield redis_store
        redis_store.close()
    else:
        yield MemoryStore()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def make_settings(
    backend: Backend, database_url: str, data_dir: Path, **overrides: object
) -> Settings:
    values: dict[str, object] = {
        "issuer": "https://testserver",
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": backend.redis_url,
        "redis_prefix": f"test{uuid.uuid4().hex[:8]}:",
        "master_key": TEST_MASTER_KEY.to_b64url(),
        # Tests deliver the outbox themselves (`deliver_now`): a background pass would race.
        "outbox_dispatcher": False,
        # Password hashing: OWASP's floor, from the environment (TEST_PASSWORD_HASHING).
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server (aiosmtpd) for the real backend; one per worker."""
    with smtp_server() as served:
        yield served


@pytest.fixture
def refusing_smtp() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server of the test's own that refuses every message (554) until the test
    sets its inbox's `refusing` to False."""
    with smtp_server() as (url, inbox):
        inbox.refusing = True
        yield url, inbox


class MailReader:
    """Reads what Passerelle mailed to the test SMTP server since this reader was made (the
    server is shared by a worker's tests)."""

    def __init__(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._start = len(inbox.messages)

    def _messages(self, to: str) -> list[EmailMessage]:
        return [m for m in self._inbox.messages[self._start :] if m["To"] == to]

    def texts(self, to: str) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self._messages(to)]  # type: ignore[union-attr]

    def subjects(self, to: str) -> list[str]:
        return [str(m["Subject"]) for m in self._messages(to)]

    def last_code(self, to: str) -> str:
        found = re.findall(r"^(\d{8})\s*$", self.texts(to)[-1], flags=re.M)
        assert found, f"no code in the last mail to {to}"
        return found[0]


@pytest.fixture
def settings(
    backend: Backend, database_url: str, tmp_path: Path, smtp_inbox: tuple[str, Inbox]
) -> Settings:
    """Mail goes to a real SMTP server on both backends: the development mailbox exists only
    with a loopback issuer (tests/idp/dev covers it), and the tests' issuer is
    https://testserver."""
    return make_settings(backend, database_url, tmp_path, smtp_url=smtp_inbox[0])


@pytest.fixture
def mail(smtp_inbox: tuple[str, Inbox]) -> MailReader:
    return MailReader(smtp_inbox[1])


# The service's components and TestClients on them (https base URL: Secure cookies) -------


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


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each call the event loop hands to the thread pool, by function name (a request
    answered on the loop, like the fast lane's, hands none)."""
    handed: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    return handed


pytest_plugins = ["tests.e2e.fixtures"]
