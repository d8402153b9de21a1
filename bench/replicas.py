"""What N processes give: `idp serve` replicas (and `--workers`, where the CLI has it)
sharing one PostgreSQL and one Redis, on this machine, for client_credentials and
introspection.

Starts PostgreSQL (or uses BENCH_POSTGRES_URL's server) and Redis, migrates, registers a
client_credentials portal, then for 1..N replicas loads each replica with its own wrk
(16 connections each, nothing pinned: every process may use every core) and prints the
total requests per second, the gain over one process and the servers' CPU µs per request.
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
from pathlib import Path

import psycopg
from harness import (
    ROOT,
    Http,
    IdpServer,
    database_url,
    free_port,
    idp_cli,
    idp_env,
    libpq,
    postgres,
    redis_server,
)

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "post.lua"


def cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children that are still running (workers)."""
    total = 0.0
    for candidate in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(c) for c in task.read_text().split()]
    return found + [g for c in found for g in children(c)]


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


@contextmanager
def deployment(folder: Path) -> Iterator[dict[str, str]]:
    """PostgreSQL + Redis, a migrated database, a master key: the env of every replica."""
    with postgres() as admin, redis_server() as redis_url:
        name = f"bench_replicas_{secrets.token_hex(3)}"
        with psycopg.connect(libpq(admin), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]  # built here
        env = idp_env(folder, "http://127.0.0.1:8000", database_url=database_url(admin, name))
        env["IDP_REDIS_URL"] = redis_url
        env["IDP_MASTER_KEY"] = idp_cli(env, "keys", "master")["master_key"]
        idp_cli(env, "db", "upgrade")
        try:
            yield env
        finally:
            with psycopg.connect(libpq(admin), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]


def main() -> None:
    most = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    with tempfile.TemporaryDirectory() as folder, deployment(Path(folder)) as env:
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
        results: dict[tuple[str, str, int], list[tuple[float, float]]] = {}
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
                        before = sum(cpu_seconds(p) for p in pids)
                        urls = [s.url + path for s in servers]
                        threads = 2 if kind == "--workers" else 1
                        rate, count = load(urls, basic, body, seconds, threads)
                        used = (sum(cpu_seconds(p) for p in pids) - before) / count * 1e6
                        results.setdefault((case, kind, n), []).append((rate, used))
        report(results, seconds, rounds)


def report(
    results: dict[tuple[str, str, int], list[tuple[float, float]]], seconds: int, rounds: int
) -> None:
    print(
        f"idp serve on PostgreSQL + Redis, nothing pinned, {os.cpu_count()} CPUs; "
        f"wrk -c16 per port, {seconds} s x {rounds}, medians"
    )
    for case in ("client_credentials", "introspection"):
        one = statistics.median(r for r, _ in results[(case, "replicas", 1)])
        for (name, kind, n), values in results.items():
            if name != case:
                continue
            rate = statistics.median(r for r, _ in values)
            cpu = statistics.median(c for _, c in values)
            label = f"{case}, {n} {'replica' if n == 1 else 'replicas'}"
            if kind == "--workers":
                label = f"{case}, --workers {n}"
            print(f"{label:<40} {rate:7.0f} req/s  x{rate / one:4.2f}  {cpu:5.0f} µs CPU/request")


if __name__ == "__main__":
    main()
