"""The soak's stack: its own PostgreSQL, Redis and SMTP server on loopback, the database
migrated, a portal and a few people registered with the `idp` CLI, two `idp serve`
instances started (and stopped) on them; the RSS of a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's server helpers, run from a checkout

from tests.mail import smtp_server  # noqa: E402
from tests.servers import PostgresServer, RedisServer, free_port  # noqa: E402

MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LW9mLTMyLWJ5dGVzLSEhISE"
REDIRECT = "https://portal.example/callback"
PASSWORD = "soak test long passphrase"  # noqa: S105  # a throwaway test account
START_SECONDS = 180  # a loaded CI machine starts a server slowly


@dataclass
class Stack:
    env: dict[str, str]
    urls: list[str]
    processes: list[subprocess.Popen[bytes]]
    client_id: str
    client_secret: str
    emails: list[str]


def cli(env: dict[str, str], *args: str) -> dict[str, str]:
    out = subprocess.run(  # noqa: S603  # our own CLI, fixed arguments
        [sys.executable, "-m", "idp", *args, "--json"], env=env, check=True, capture_output=True
    )
    data: dict[str, str] = json.loads(out.stdout)
    return data


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603  # our own server, fixed arguments
            [sys.executable, "-m", "idp", "serve", "--port", str(port)],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"idp serve did not become ready: {log.read_text()[-2000:]}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def server_env(
    folder: Path, pg: PostgresServer, redis: RedisServer, smtp: str, port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        {
            "IDP_ISSUER": f"http://localhost:{port}",
            "IDP_DATA_DIR": str(folder / "data"),
            "IDP_DATABASE_URL": pg.url("idp"),
            "IDP_REDIS_URL": redis.url,
            "IDP_MASTER_KEY": MASTER_KEY,
            "IDP_SMTP_URL": smtp,
            "IDP_LOGIN_RATE_LIMIT": "100000/minute",  # the soak signs in many times a minute
            "IDP_LOG_LEVEL": "warning",
        }
    )
    return env


@contextmanager
def stack(folder: Path, people: int) -> Iterator[Stack]:
    with ExitStack() as stop:
        pg = PostgresServer.start(Path(f"/tmp/idp-soak-{uuid.uuid4().hex[:8]}"))  # noqa: S108
        stop.callback(pg.stop)
        redis = RedisServer.start(folder / "redis")
        stop.callback(redis.stop)
        smtp, _ = stop.enter_context(smtp_server())
        pg.execute('CREATE DATABASE "idp"')
        ports = [free_port(), free_port()]
        env = server_env(folder, pg, redis, smtp, ports[0])
        cli(env, "db", "upgrade")
        client = cli(
            env,
            "clients",
            "create",
            "--name",
            "Soak portal",
            "--redirect-uri",
            REDIRECT,
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--grant-type",
            "client_credentials",
            "--first-party",
            "--scope",
            "openid profile email offline_access applications:write delegations:read",
        )
        emails = [f"soak{n}@example.ca" for n in range(people)]
        for email in emails:
            cli(env, "users", "create", "--email", email, "--password", PASSWORD, "--name", email)
        processes = [start_server(env, port, folder / f"idp-{port}.log") for port in ports]
        for process in processes:
            stop.callback(_stop_process, process)
        urls = [f"http://localhost:{port}" for port in ports]
        yield Stack(env, urls, processes, client["client_id"], client["client_secret"], emails)


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
