"""Throwaway PostgreSQL and Redis servers for a benchmark run, from the Debian binaries.

PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (as
`tests/servers.py` does). Each server listens on a free loopback port, in a fresh folder
removed at the end; `SERVER_PIDS` maps its URL to its main process, so a script can count
the CPU it spends (`harness.process_tree_cpu`).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness import free_port

SERVER_PIDS: dict[str, int] = {}  # URL of a server started here -> its main process


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise SystemExit(f"{name} not found on PATH nor in /usr/lib/postgresql/*/bin")
    return found


def _as_postgres(argv: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def postgres_server(cpus: set[int] | None = None) -> Iterator[str]:
    """A throwaway PostgreSQL on a free loopback port; yields its admin URL.

    Its folder is a fresh one under the system temp dir (the postgres user must be able to
    reach it), removed at the end.
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    pg_ctl = _postgres_bin("pg_ctl")
    try:
        subprocess.run(  # noqa: S603  # the Debian binaries, fixed arguments
            _as_postgres(
                [
                    _postgres_bin("initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c shared_buffers=256MB -c maintenance_work_mem=256MB"
        )
        prefix = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
        subprocess.run(  # noqa: S603  # the Debian binaries, fixed arguments
            _as_postgres(
                [
                    *prefix,
                    pg_ctl,
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(folder / "log"),
                    "-w",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        SERVER_PIDS[url] = int((data / "postmaster.pid").read_text().split()[0])
        yield url
    finally:
        subprocess.run(  # noqa: S603  # the Debian binaries, fixed arguments
            _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
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
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server not found on PATH")
    folder, port = Path(tempfile.mkdtemp(prefix="bench-redis-")), free_port()
    process = subprocess.Popen(  # noqa: S603  # redis-server with fixed arguments
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        SERVER_PIDS[url] = process.pid
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(folder, ignore_errors=True)


def libpq(url: str) -> str:
    """The psycopg form of a SQLAlchemy URL."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + "/" + name
