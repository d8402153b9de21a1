"""Real PostgreSQL and Redis servers for the test suite, started from the binaries on PATH.

pytest-postgresql's executor runs `pg_ctl` as the current user, and PostgreSQL refuses to
run as root (which CI is), so these few lines start the servers themselves: as the
`postgres` system user when running as root. Each xdist worker gets its own servers on
free loopback ports, in a temporary folder removed at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis


class ServerUnavailable(RuntimeError):
    """A server binary is missing or did not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_postgres_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise ServerUnavailable(f"{name} not found on PATH nor in /usr/lib/postgresql/*/bin")


def _as_postgres_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


@dataclass
class PostgresServer:
    folder: Path
    port: int
    extra_options: str = ""
    cpus: set[int] | None = None

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # test-only DDL built from safe names

    @classmethod
    def start(
        cls, folder: Path, *, extra_options: str = "", cpus: set[int] | None = None
    ) -> PostgresServer:
        """initdb and start in `folder` on a free port; `extra_options` are more `-c`
        settings, `cpus` pins the server (and every backend it forks) to those CPUs."""
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        subprocess.run(
            _as_postgres_user(
                [
                    find_postgres_bin("initdb"),
                    "-D",
                    str(folder / "data"),
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
        server = cls(folder=folder, port=free_port(), extra_options=extra_options, cpus=cpus)
        server._pg_ctl_start()
        return server

    def _pg_ctl_start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c full_page_writes=off -c synchronous_commit=off -c max_connections=200 "
            f"{self.extra_options}"
        )
        pinned = ["taskset", "-c", ",".join(map(str, sorted(self.cpus)))] if self.cpus else []
        pg_ctl, data, log = find_postgres_bin("pg_ctl"), self.folder / "data", self.folder / "log"
        subprocess.run(
            _as_postgres_user(
                [*pinned, pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(
            _as_postgres_user(
                [
                    find_postgres_bin("pg_ctl"),
                    "-D",
                    str(self.folder / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ]
            ),
            check=False,
            capture_output=True,
        )

    def restart(self) -> None:
        """Stop at once (every connection dropped) and start again on the same port."""
        self.stop()
        self._pg_ctl_start()

    @property
    def pid(self) -> int:
        """The postmaster's process id."""
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    def pids(self) -> list[int]:
        """The postmaster and every backend and helper process it started."""
        master = self.pid
        children = subprocess.run(
            ["pgrep", "-P", str(master)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [master, *map(int, children)]

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """Every process of this server stopped (SIGSTOP), as a hung host; then resumed."""
        stopped = self.pids()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @classmethod
    def start(cls, folder: Path, port: int | None = None) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server not found on PATH")
        folder.mkdir(parents=True, exist_ok=True)
        port = port or free_port()
        process = subprocess.Popen(
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
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise ServerUnavailable("redis-server did not answer within 10 s") from None
                time.sleep(0.05)
        client.close()
        return cls(process=process, port=port)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The server stopped (SIGSTOP): connections open, nothing answered; then resumed."""
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)
