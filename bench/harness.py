"""What the HTTP benchmarks share: a real `idp serve`, its CLI, a lean HTTP client, bounded
load and its figures. The code flow lives in `flows.py`, PostgreSQL and Redis in
`servers.py`.

Everything drives the service from outside (HTTP and the `idp` CLI), so the scripts keep
working whatever the inside of `idp/` looks like. The `idp` started is the one next to
this folder (PYTHONPATH points at the repository root), not whatever is on PATH.

Pinning (`PIN=1`, the default on two cores or more): servers run on CPU 0, the load
threads on the other CPUs, and a figure measured "on the server's core" (argon2id) runs
its threads on CPU 0 too. Every load loop stops at a request count or a time limit.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_SECONDS = 60
T = TypeVar("T")
# A script in bench/ imports `idp` from this checkout, never from another install.
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))


# Machine and pinning ---------------------------------------------------------------------


def pinning() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, client CPUs) when PIN=1 (default with 2+ CPUs), else (None, None)."""
    cpus = sorted(os.sched_getaffinity(0))
    if os.environ.get("PIN", "1") != "1" or len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# The service: environment, CLI, server ---------------------------------------------------


NO_MAIL_SMTP_URL = "smtp://127.0.0.1:9"  # a closed port: the benchmarks send no mail


def new_master_key() -> str:
    """A random IDP_MASTER_KEY (base64url, 32 bytes), as `idp keys master` prints."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def idp_env(data_dir: Path, issuer: str, **settings: str) -> dict[str, str]:
    """The environment of one deployment: no IDP_ variable leaks in from outside.

    Outside the embedded defaults (a database or Redis URL given) the service may require
    a master key and an SMTP server: unless `settings` names them, a random key and a
    closed SMTP port are set. Build the env once per deployment (the key must not change).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(IDP_ISSUER=issuer, IDP_DATA_DIR=str(data_dir), IDP_LOG_LEVEL="warning")
    if settings.get("database_url") or settings.get("redis_url"):
        settings = {"master_key": new_master_key(), "smtp_url": NO_MAIL_SMTP_URL, **settings}
    env.update({f"IDP_{k.upper()}": v for k, v in settings.items() if v != ""})
    return env


PASSED_THROUGH = ("IDP_DATABASE_URL", "IDP_REDIS_URL", "IDP_PASSWORD_HASH_")


def migrated_env(data_dir: Path, port: int) -> dict[str, str]:
    """`idp_env` for a server on `port` with IDP_DATABASE_URL, IDP_REDIS_URL and the
    IDP_PASSWORD_HASH_* settings passed through from the caller's environment, its
    database migrated."""
    passed = {
        name.removeprefix("IDP_").lower(): value
        for name, value in os.environ.items()
        if name.startswith(PASSED_THROUGH)
    }
    env = idp_env(data_dir, f"http://127.0.0.1:{port}", **passed)
    idp_cli(env, "db", "upgrade")
    return env


def deployment_line(env: dict[str, str], server_cpus: set[int] | None, load: str) -> str:
    """What a figure was measured on: the backend, the store, the pinning and the `load`."""
    backend = "PostgreSQL" if env.get("IDP_DATABASE_URL") else "SQLite"
    store = "Redis" if env.get("IDP_REDIS_URL") else "in-process store"
    where = f"server pinned to CPU {sorted(server_cpus)}" if server_cpus else "not pinned"
    return f"idp serve, {backend} + {store}, {where}; {load}"


def idp_cli(env: dict[str, str], *args: str) -> Any:
    """Run `idp <args> --json` and return its JSON."""
    done = subprocess.run(  # noqa: S603  # our own CLI, arguments built here
        [sys.executable, "-m", "idp", *args, "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"idp {' '.join(args[:2])} failed: {done.stderr.decode()[-2000:]}")
    return json.loads(done.stdout)


@dataclass
class IdpServer:
    """`idp serve` on a loopback port, pinned to `cpus` when given."""

    env: dict[str, str]
    port: int
    cpus: set[int] | None = None
    extra_args: Sequence[str] = ()
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> IdpServer:
        log = Path(self.env["IDP_DATA_DIR"]) / f"serve-{self.port}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        cpus = self.cpus
        with log.open("wb") as handle:
            self.process = subprocess.Popen(  # noqa: S603  # our own server, fixed arguments
                [sys.executable, "-m", "idp", "serve", "--port", str(self.port), *self.extra_args],
                env=self.env,
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
                # Every thread the server starts inherits the mask set before exec.
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
            )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"idp serve exited:\n{log.read_text()[-3000:]}")
            try:
                if Http(self.url).get("/.well-known/openid-configuration").status == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise SystemExit(f"idp serve did not answer within {SERVER_START_SECONDS} s")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


# A lean HTTP/1.1 client ------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Http:
    """One keep-alive connection and its own cookies, as one browser tab or portal has.

    Cookies are kept by name whatever their `Secure` flag (browsers send them to loopback
    http too); http.client costs a few tens of µs a request, so the client stays far below
    the server on the core it runs on.
    """

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    _conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if auth is not None:
            sent["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self._conn is None:
                parts = urlsplit(self.base)
                self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            try:
                self._conn.request(method, path, body=body, headers=sent)
                raw = self._conn.getresponse()
                answer = Answer(raw.status, raw.getheaders(), raw.read())
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        for key, value in answer.headers:
            if key.lower() == "set-cookie":
                self._keep_cookie(value)
        return answer

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict[str, str], **kwargs: Any) -> Answer:
        return self.request("POST", path, form=form, **kwargs)

    def _keep_cookie(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.strip().partition("=")
        expired = any(a.strip().lower() in ("max-age=0", 'max-age="0"') for a in attributes)
        if expired or value in ("", '""'):
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# Bounded load and its figures -----------------------------------------------------------


@dataclass
class Load:
    """Latencies of the successful calls of one load round, and how long it took."""

    latencies: list[float]
    failures: int
    elapsed: float
    first_error: str = ""

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def ms(self, quantile: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] * 1000


def run_load(
    setup: Callable[[int], T],
    call: Callable[[T], object],
    *,
    concurrency: int,
    count: int,
    max_seconds: float,
    cpus: set[int] | None = None,
) -> Load:
    """`concurrency` threads, each with its own `setup(i)` state, run `call` until together
    they made `count` calls or `max_seconds` passed. An exception counts as a failure."""
    per_thread = max(1, count // concurrency)
    states: list[Any] = [None] * concurrency
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures = [0] * concurrency
    errors: list[str] = []
    clock = {"deadline": 0.0, "started": 0.0}

    def start_clock() -> None:
        # The barrier's action runs once every thread is ready and before any goes on.
        clock["deadline"] = time.monotonic() + max_seconds
        clock["started"] = time.perf_counter()

    ready = threading.Barrier(concurrency + 1, action=start_clock)

    def worker(index: int) -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)  # this thread only
        states[index] = setup(index)
        ready.wait()
        mine = latencies[index]
        for _ in range(per_thread):
            if time.monotonic() > clock["deadline"]:
                break
            started = time.perf_counter()
            try:
                call(states[index])
            except Exception as error:  # a failed call is counted, not fatal
                failures[index] += 1
                errors.append(f"{type(error).__name__}: {error}"[:300])
                continue
            mine.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join(max_seconds + 120)
    elapsed = time.perf_counter() - clock["started"]
    return Load(
        [t for per in latencies for t in per], sum(failures), elapsed, errors[0] if errors else ""
    )


def median_rate(loads: list[Load]) -> Load:
    """The round with the median rate (the figure `side-by-side.sh` keeps too)."""
    ordered = sorted(loads, key=lambda load: load.rate)
    return ordered[(len(ordered) - 1) // 2]


def describe(label: str, load: Load, unit: str = "/s") -> str:
    line = (
        f"{label:<44} {load.rate:9.1f} {unit}   p50 {load.ms(0.5):7.2f} ms   "
        f"p95 {load.ms(0.95):7.2f} ms"
    )
    if load.failures:
        line += f"   ({load.failures} failed; first: {load.first_error})"
    return line


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and of its descendants, live or ended and
    reaped (a PostgreSQL postmaster and its backends, `idp serve --workers` and workers)."""
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            for task in Path(f"/proc/{current}/task").glob("*/children"):
                pending += [int(child) for child in task.read_text().split()]
        except OSError:  # ended meanwhile
            continue
        ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        total += ticks / os.sysconf("SC_CLK_TCK")
    return total
