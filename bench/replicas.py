"""What N processes give: `idp serve` replicas (and `--workers`, where the CLI has it)
sharing one PostgreSQL and one Redis, on this machine, for client_credentials and
introspection.

Starts PostgreSQL (or uses BENCH_POSTGRES_URL's server) and Redis, migrates, registers a
client_credentials portal, then for 1..N replicas loads each replica with its own wrk
(16 connections each, nothing pinned: every process may use every core) and prints the
total requests per second, the gain over one process, CPU µs per request of the `idp`
processes and of PostgreSQL + Redis (when started here; ended backends included), and how
many PostgreSQL sessions were opened per 1000 requests (pool churn costs PostgreSQL a
process start each).
When `idp serve --help` lists `--workers`, the same is measured with one `idp serve
--workers N` behind one port (wrk -t2). On a machine with C cores, more than C server
processes cannot help: the figure shows where the cores run out, and what is left for the
database, Redis and the load generator.

Run: `python bench/replicas.py [MAX_PROCESSES] [SECONDS] [ROUNDS]` (default 2 8 3).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from harness import (
    ROOT,
    Http,
    IdpServer,
    free_port,
    idp_cli,
    idp_env,
    process_tree_cpu,
)
from servers import SERVER_PIDS, database_url, libpq, postgres, redis_server

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "post.lua"


def load(
    urls: list[str], auth: str, body: str, seconds: int, threads: int = 1
) -> tuple[float, int]:
    """Run one wrk per URL at once; (total requests per second, total requests)."""
    runs = [
        subprocess.Popen(  # noqa: S603  # wrk, bounded by -d
            [
                shutil.which("wrk") or "wrk",
                f"-t{threads}",
                "-c16",
                f"-d{seconds}s",
                "-s",
                str(WRK_SCRIPT),
                url,
            ],
            env={**os.environ, "AUTH": auth, "BODY": body},
            stdout=subprocess.PIPE,
            text=True,
        )
        for url in urls
    ]
    rate, count = 0.0, 0
    for run in runs:
        out, _ = run.communicate(timeout=seconds + 60)
        found = re.search(r"RESULT rps=([\d.]+) .* reqs=(\d+) non2xx=(\d+)", out)
        if found is None or int(found[3]):
            raise SystemExit(f"wrk: {out[-400:]}")
        rate, count = rate + float(found[1]), count + int(found[2])
    return rate, count


def has_workers_option(env: dict[str, str]) -> bool:
    done = subprocess.run(  # our own CLI
        [sys.executable, "-m", "idp", "serve", "--help"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return "--workers" in done.stdout


@dataclass
class Backend:
    """The env every replica shares, and how to watch PostgreSQL and Redis."""

    env: dict[str, str]
    pids: list[int]  # main processes of the servers started here, to count their CPU
    admin_url: str
    database: str

    def sessions(self) -> int:
        """PostgreSQL sessions opened on the database so far (pg_stat_database)."""
        with psycopg.connect(libpq(self.admin_url), autocommit=True) as conn:
            row = conn.execute(
                "SELECT sessions FROM pg_stat_database WHERE datname = %s", (self.database,)
            ).fetchone()
        return int(row[0]) if row else 0


@contextmanager
def deployment(folder: Path) -> Iterator[Backend]:
    """PostgreSQL + Redis, a migrated database, a master key."""
    with postgres() as admin, redis_server() as redis_url:
        name = f"bench_replicas_{secrets.token_hex(3)}"
        with psycopg.connect(libpq(admin), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]  # built here
        env = idp_env(
            folder,
            "http://127.0.0.1:8000",
            database_url=database_url(admin, name),
            redis_url=redis_url,
        )
        idp_cli(env, "db", "upgrade")
        try:
            pids = [SERVER_PIDS[u] for u in (admin, redis_url) if u in SERVER_PIDS]
            yield Backend(env, pids, admin, name)
        finally:
            with psycopg.connect(libpq(admin), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def main() -> None:
    most = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    with tempfile.TemporaryDirectory() as folder, deployment(Path(folder)) as backend:
        env, backends = backend.env, backend.pids
        client = idp_cli(
            env, "clients", "create", "--name", "Replicas portal",
            "--grant-type", "client_credentials", "--scope", "applications:write",
        )  # fmt: skip
        auth = (client["client_id"], client["client_secret"])
        basic = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        cc = "grant_type=client_credentials&scope=applications%3Awrite"
        shapes: list[tuple[str, int]] = [("replicas", n) for n in range(1, most + 1)]
        if has_workers_option(env):
            shapes += [("--workers", n) for n in range(2, most + 1)]
        results: dict[tuple[str, str, int], list[tuple[float, float, float, float]]] = {}
        for kind, n in shapes:
            with ExitStack() as stack:
                if kind == "replicas":
                    servers = [stack.enter_context(IdpServer(env, free_port())) for _ in range(n)]
                else:
                    servers = [
                        stack.enter_context(
                            IdpServer(env, free_port(), extra_args=("--workers", str(n)))
                        )
                    ]
                token = Http(servers[0].url).post(
                    "/token", {"grant_type": "client_credentials"}, auth=auth
                )
                cases = {
                    "client_credentials": ("/token", cc),
                    "introspection": ("/introspect", "token=" + token.json()["access_token"]),
                }
                pids = [s.process.pid for s in servers if s.process is not None]
                for _ in range(rounds):
                    for case, (path, body) in cases.items():
                        sessions = backend.sessions()
                        before = [process_tree_cpu(p) for p in pids + backends]
                        urls = [s.url + path for s in servers]
                        threads = 2 if kind == "--workers" else 1
                        rate, count = load(urls, basic, body, seconds, threads)
                        after = [process_tree_cpu(p) for p in pids + backends]
                        spent = [(a - b) / count * 1e6 for a, b in zip(after, before, strict=True)]
                        opened = (backend.sessions() - sessions) / count * 1000
                        idp, pg = sum(spent[: len(pids)]), sum(spent[len(pids) :])
                        results.setdefault((case, kind, n), []).append((rate, idp, pg, opened))
        report(results, seconds, rounds)


def report(
    results: dict[tuple[str, str, int], list[tuple[float, float, float, float]]],
    seconds: int,
    rounds: int,
) -> None:
    print(
        f"idp serve on PostgreSQL + Redis, nothing pinned, {os.cpu_count()} CPUs; "
        f"wrk -c16 per port, {seconds} s x {rounds}, medians"
    )
    for case in ("client_credentials", "introspection"):
        one = statistics.median(r[0] for r in results[(case, "replicas", 1)])
        for (name, kind, n), values in results.items():
            if name != case:
                continue
            rate, cpu, backend, opened = (statistics.median(v[i] for v in values) for i in range(4))
            label = f"{case}, {n} {'replica' if n == 1 else 'replicas'}"
            if kind == "--workers":
                label = f"{case}, --workers {n}"
            print(
                f"{label:<36} {rate:6.0f} req/s x{rate / one:4.2f}  CPU/request: idp {cpu:5.0f} µs,"
                f" PostgreSQL + Redis {backend:4.0f} µs; {opened:.0f} PG sessions opened/1000"
            )


if __name__ == "__main__":
    main()
