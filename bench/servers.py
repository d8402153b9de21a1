"""Throwaway PostgreSQL and Redis servers for a benchmark run, from the Debian binaries.

The servers are the test suite's (`tests/servers.py`: PostgreSQL runs as the `postgres`
user when this runs as root), with the benchmark's settings: more shared buffers and
maintenance memory, and optionally pinned to CPUs. Each listens on a free loopback port,
in a fresh folder removed at the end; `SERVER_PIDS` maps its URL to its main process, so
a script can count the CPU it spends (`harness.process_tree_cpu`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import harness  # noqa: F401  # puts this checkout first on sys.path (for `tests`)

from tests.servers import PostgresServer, RedisServer, ServerUnavailable

SERVER_PIDS: dict[str, int] = {}  # URL of a server started here -> its main process
BENCH_POSTGRES_OPTIONS = "-c shared_buffers=256MB -c maintenance_work_mem=256MB"


@contextmanager
def postgres_server(cpus: set[int] | None = None) -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port; yields its admin URL.

    Its folder is a fresh one under the system temp dir (the postgres user must be able to
    reach it), removed at the end.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    try:
        server = PostgresServer.start(folder, extra_options=BENCH_POSTGRES_OPTIONS, cpus=cpus)
    except ServerUnavailable as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(str(error)) from None
    try:
        SERVER_PIDS[server.admin_url] = server.pid
        yield server.admin_url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres() -> Iterator[str]:
    """The admin URL of BENCH_POSTGRES_URL's server, or of one started for the run."""
    given = os.environ.get("BENCH_POSTGRES_URL")
    if given:
        yield given
        return
    with postgres_server() as admin:
        yield admin


@contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway redis-server (no persistence) on a free loopback port; yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    try:
        server = RedisServer.start(folder)
    except ServerUnavailable as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise SystemExit(str(error)) from None
    try:
        SERVER_PIDS[server.url] = server.process.pid
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def libpq(url: str) -> str:
    """The psycopg form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name
