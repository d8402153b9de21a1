"""Soak test: two `idp serve` instances on PostgreSQL + Redis under mixed traffic.

Starts its own PostgreSQL, Redis and SMTP server on loopback (the binaries the test suite
uses), migrates, registers a portal and a few people, then runs `--workers` threads of
mixed traffic for `--minutes` (default 10) against both instances in turn: sign-ins
(authorization code flow with a password), refreshes, introspections, portal decisions,
application registrations (the writes), token revocations, and deliberately invalid
token requests. Every loop is bounded in time and in count.

It prints the requests by kind, the errors by kind (zero is the goal: the deliberately
invalid requests are counted apart, and must all be refused), the RSS of each instance
at start and end, and checks afterwards that every accepted write is present: each
registered application is listed, each refresh token not revoked is active, each revoked
one inactive. Exit code 1 when anything failed.

Run on demand: `python bench/soak.py [--minutes 10] [--workers 4]` (not in CI;
tests/test_bench.py smoke-runs it for a few seconds).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's server helpers, run from a checkout

from tests.e2e.servers import browser_client  # noqa: E402
from tests.idp.flows import (  # noqa: E402
    authorization_request,
    follow_to_redirect_uri,
    query_of,
    sign_in,
)
from tests.mail import smtp_server  # noqa: E402
from tests.servers import PostgresServer, RedisServer, free_port  # noqa: E402

MASTER_KEY = "dGVzdC1tYXN0ZXIta2V5LW9mLTMyLWJ5dGVzLSEhISE"
REDIRECT = "https://portal.example/callback"
PASSWORD = "soak test long passphrase"  # noqa: S105  # a throwaway test account
ITERATIONS_PER_WORKER_MINUTE = 3000  # the count bound, well above what a minute allows
PORTAL_TOKEN_SECONDS = 300  # renewed before its 600 s lifetime ends
WARM_UP_FRACTION = 0.1
START_SECONDS = 180  # a loaded CI machine starts a server slowly
ACTIONS = {  # action: weight
    "sign_in": 1,
    "refresh": 3,
    "introspect": 4,
    "decision": 3,
    "register": 2,
    "revoke": 1,
    "invalid": 1,
}


@dataclass
class Stack:
    env: dict[str, str]
    urls: list[str]
    processes: list[subprocess.Popen[bytes]]
    client_id: str
    client_secret: str
    emails: list[str]


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    deliberate: Counter[str] = field(default_factory=Counter)
    applications: list[str] = field(default_factory=list)
    live_refresh: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)

    def count(self, action: str, error: str | None = None) -> None:
        with self.lock:
            self.done[action] += 1
            if error is not None:
                self.errors[f"{action}: {error}"] += 1

    def accepted_application(self, number: str) -> None:
        with self.lock:
            self.applications.append(number)

    def revoked_token(self, token: str) -> None:
        with self.lock:
            self.revoked.append(token)

    def add_tokens(self, tokens: list[str]) -> None:
        with self.lock:
            self.live_refresh.extend(tokens)

    def refused_as_expected(self) -> None:
        with self.lock:
            self.deliberate["refused"] += 1


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


class Worker:
    """One thread of traffic; its refresh tokens are its own (rotation is single-use)."""

    def __init__(self, n: int, stack: Stack, tally: Tally) -> None:
        self.stack, self.tally = stack, tally
        self.rng = random.Random(n)  # noqa: S311  # the traffic mix, not secrets
        self.clients = [browser_client(url) for url in stack.urls]
        self.turn = itertools.cycle(range(len(self.clients)))
        self.auth = (stack.client_id, stack.client_secret)
        self.grants: list[tuple[str, str]] = []  # (refresh token, newest access token)
        self.subjects: list[str] = []
        self.portal = ("", 0.0)  # token, when it was obtained
        self.prefix = f"S{n}-{uuid.uuid4().hex[:6]}-"
        self.numbers = itertools.count()

    def http(self) -> httpx.Client:
        return self.clients[next(self.turn)]

    def run(self, deadline: float, iterations: int) -> None:
        names, weights = list(ACTIONS), list(ACTIONS.values())
        self.act("sign_in")
        for _ in range(iterations):
            if time.monotonic() >= deadline:
                break
            self.act(self.rng.choices(names, weights)[0])
        self.tally.add_tokens([refresh for refresh, _ in self.grants])
        for client in self.clients:
            client.close()

    def act(self, action: str) -> None:
        step: Callable[[], str | None] = getattr(self, action)
        try:
            error = step()
        except httpx.HTTPError as failure:
            error = type(failure).__name__
        self.tally.count(action, error)

    def sign_in(self) -> str | None:
        browser = self.http()
        browser.cookies.clear()
        request = authorization_request(self.stack.client_id, redirect_uri=REDIRECT)
        first = browser.get("/authorize?" + request.query)
        if first.status_code != 303:
            return f"authorize HTTP {first.status_code}"
        email = self.rng.choice(self.stack.emails)
        signed_in = sign_in(browser, first.headers["location"], email, PASSWORD)
        code = query_of(follow_to_redirect_uri(browser, signed_in).headers.get("location", ""))
        if "code" not in code:
            return "sign-in gave no code"
        form = {"grant_type": "authorization_code", "code": code["code"]}
        form |= {"redirect_uri": REDIRECT, "code_verifier": request.verifier}
        return self._keep_tokens(self.http().post("/token", data=form, auth=self.auth))

    def _keep_tokens(self, answer: httpx.Response) -> str | None:
        if answer.status_code != 200:
            return f"token HTTP {answer.status_code}"
        body = answer.json()
        self.grants.append((body["refresh_token"], body["access_token"]))
        if "id_token" in body:
            self.subjects.append(_claims(body["id_token"])["sub"])
        return None

    def refresh(self) -> str | None:
        if not self.grants:
            return self.sign_in()
        token, _ = self.grants.pop(self.rng.randrange(len(self.grants)))
        form = {"grant_type": "refresh_token", "refresh_token": token}
        return self._keep_tokens(self.http().post("/token", data=form, auth=self.auth))

    def introspect(self) -> str | None:
        if not self.grants:
            return self.sign_in()
        form = {"token": self.rng.choice(self.grants)[1]}
        answer = self.http().post("/introspect", data=form, auth=self.auth)
        if answer.status_code != 200 or answer.json().get("active") is not True:
            return f"HTTP {answer.status_code} active={answer.json().get('active')}"
        return None

    def _portal_token(self) -> str:
        token, at = self.portal
        if not token or time.monotonic() - at > PORTAL_TOKEN_SECONDS:
            form = {
                "grant_type": "client_credentials",
                "scope": "applications:write delegations:read",
            }
            answer = self.http().post("/token", data=form, auth=self.auth)
            token = answer.json()["access_token"]
            self.portal = (token, time.monotonic())
        return token

    def decision(self) -> str | None:
        body = {
            "actor_sub": self.rng.choice(self.subjects or ["nobody"]),
            "action": "application.read",
            "application_number": self.rng.choice(self.tally.applications or ["none"]),
        }
        headers = {"Authorization": f"Bearer {self._portal_token()}"}
        answer = self.http().post("/api/decisions", json=body, headers=headers)
        return None if answer.status_code == 200 else f"HTTP {answer.status_code}"

    def register(self) -> str | None:
        if not self.subjects:
            return self.sign_in()
        number = f"{self.prefix}{next(self.numbers)}"
        body = {
            "application_number": number,
            "program": "Study permit",
            "status": "received",
            "applicant": {"sub": self.rng.choice(self.subjects)},
        }
        headers = {"Authorization": f"Bearer {self._portal_token()}"}
        answer = self.http().post("/api/applications", json=body, headers=headers)
        if answer.status_code != 201:
            return f"HTTP {answer.status_code}"
        self.tally.accepted_application(number)
        return None

    def revoke(self) -> str | None:
        if not self.grants:
            return self.sign_in()
        token, _ = self.grants.pop(self.rng.randrange(len(self.grants)))  # its access token too
        answer = self.http().post("/revoke", data={"token": token}, auth=self.auth)
        if answer.status_code != 200:
            return f"HTTP {answer.status_code}"
        self.tally.revoked_token(token)
        return None

    def invalid(self) -> str | None:
        """A deliberately invalid request: a made-up code must be refused as invalid_grant."""
        form = {
            "grant_type": "authorization_code",
            "code": uuid.uuid4().hex,
            "redirect_uri": REDIRECT,
        }
        answer = self.http().post("/token", data=form, auth=self.auth)
        if answer.status_code == 400 and answer.json().get("error") == "invalid_grant":
            self.tally.refused_as_expected()
            return None
        return f"not refused: HTTP {answer.status_code}"


def _claims(token: str) -> dict[str, str]:
    payload = token.split(".")[1]
    data: dict[str, str] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data


def verify_writes(stack: Stack, tally: Tally) -> list[str]:
    """What is missing: applications the portal API does not know, live tokens inactive,
    revoked ones active. Each application is asked about one by one (`/api/decisions`
    answers `no_application` for an unknown number): the listing is capped at 500."""
    missing = []
    with httpx.Client(base_url=stack.urls[1], timeout=30) as http:
        auth = (stack.client_id, stack.client_secret)
        form = {"grant_type": "client_credentials", "scope": "delegations:read"}
        token = http.post("/token", data=form, auth=auth).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for number in tally.applications:
            body = {
                "actor_sub": "nobody",
                "action": "application.read",
                "application_number": number,
            }
            answer = http.post("/api/decisions", json=body, headers=headers)
            if answer.status_code != 200 or answer.json()["reason"] == "no_application":
                missing.append(f"application {number}")
        for expected, tokens in ((True, tally.live_refresh), (False, tally.revoked)):
            for refresh in tokens:
                active = http.post("/introspect", data={"token": refresh}, auth=auth).json()
                if active.get("active") is not expected:
                    missing.append(f"refresh token expected active={expected}")
    return missing


def report(
    tally: Tally, rss: dict[str, tuple[int, int, int]], missing: list[str], minutes: float
) -> bool:
    print(f"soak: 2 instances on PostgreSQL + Redis, {minutes:g} min")
    print("requests:", ", ".join(f"{k} {v}" for k, v in sorted(tally.done.items())))
    print(f"deliberately invalid, refused as expected: {tally.deliberate['refused']}")
    print("errors:", "none" if not tally.errors else "")
    for kind, count in tally.errors.most_common():
        print(f"  {count:6d}  {kind}")
    for name, (ready, warm, end) in rss.items():
        print(
            f"RSS {name}: ready {ready / 1024:.1f} MiB, after warm-up {warm / 1024:.1f} MiB, "
            f"end {end / 1024:.1f} MiB"
        )
    writes = len(tally.applications) + len(tally.live_refresh) + len(tally.revoked)
    print(
        f"writes checked: {len(tally.applications)} applications, {len(tally.live_refresh)} "
        f"live and {len(tally.revoked)} revoked refresh tokens: "
        + ("all present" if not missing else f"{len(missing)} MISSING of {writes}")
    )
    for line in missing[:20]:
        print(f"  missing: {line}")
    return not tally.errors and not missing


def run_traffic(running: Stack, tally: Tally, args: argparse.Namespace) -> list[int]:
    """Run the workers; return each instance's RSS after the warm-up (the first
    `WARM_UP_FRACTION` of the run, at most a minute: caches, pools, allocator arenas)."""
    deadline = time.monotonic() + args.minutes * 60
    iterations = int(max(1.0, args.minutes) * ITERATIONS_PER_WORKER_MINUTE)
    workers = [Worker(n, running, tally) for n in range(args.workers)]
    threads = [threading.Thread(target=w.run, args=(deadline, iterations)) for w in workers]
    for thread in threads:
        thread.start()
    time.sleep(min(60.0, args.minutes * 60 * WARM_UP_FRACTION))
    warm = [rss_kib(p.pid) for p in running.processes]
    for thread in threads:
        thread.join(timeout=args.minutes * 60 + 120)
    return warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--people", type=int, default=4)
    args = parser.parse_args()
    tally = Tally()
    with (
        tempfile.TemporaryDirectory(prefix="idp-soak-") as folder,
        stack(Path(folder), args.people) as running,
    ):
        names = [f"instance {i + 1} (pid {p.pid})" for i, p in enumerate(running.processes)]
        ready = [rss_kib(p.pid) for p in running.processes]
        warm = run_traffic(running, tally, args)
        end = [rss_kib(p.pid) for p in running.processes]
        missing = verify_writes(running, tally)
    rss = {n: (r, w, e) for n, r, w, e in zip(names, ready, warm, end, strict=True)}
    sys.exit(0 if report(tally, rss, missing, args.minutes) else 1)


if __name__ == "__main__":
    main()
