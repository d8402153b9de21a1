"""What the HTTP benchmarks share: a real `idp serve`, its CLI, a lean HTTP client, the
authorization-code flow as a browser and a portal run it, bounded load, and PostgreSQL.

Everything drives the service from outside (HTTP and the `idp` CLI), so the scripts keep
working whatever the inside of `idp/` looks like. The `idp` started is the one next to
this folder (PYTHONPATH points at the repository root), not whatever is on PATH.

Pinning (`PIN=1`, the default on two cores or more): servers run on CPU 0, the load
threads on the other CPUs, and a figure measured "on the server's core" (argon2id) runs
its threads on CPU 0 too. Every load loop stops at a request count or a time limit.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
REDIRECT_URI = "https://portal.example/callback"
PASSWORD = "bench long password 0123"  # noqa: S105  # a throwaway account of the bench
SERVER_START_SECONDS = 60
MAX_FLOW_STEPS = 10
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


def idp_env(data_dir: Path, issuer: str, **settings: str) -> dict[str, str]:
    """The environment of one deployment: no IDP_ variable leaks in from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    env.update(IDP_ISSUER=issuer, IDP_DATA_DIR=str(data_dir), IDP_LOG_LEVEL="warning")
    env.update({f"IDP_{k.upper()}": v for k, v in settings.items()})
    return env


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


def create_portal(env: dict[str, str], name: str, *grant_types: str, scope: str = "") -> Portal:
    args = ["clients", "create", "--name", name, "--redirect-uri", REDIRECT_URI]
    for grant_type in grant_types:
        args += ["--grant-type", grant_type]
    if scope:
        args += ["--scope", scope]
    data = idp_cli(env, *args)
    return Portal(data["client_id"], data["client_secret"])


def create_account(env: dict[str, str], email: str, name: str = "Bench Person") -> str:
    """A password account through the CLI; returns its `sub`."""
    data = idp_cli(env, "users", "create", "--email", email, "--password", PASSWORD, "--name", name)
    return str(data.get("subject") or data.get("sub") or "")


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


# The authorization-code flow ------------------------------------------------------------


@dataclass(frozen=True)
class Portal:
    client_id: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.client_id, self.secret)


class FlowError(RuntimeError):
    """The provider answered something a sign-in does not expect."""


def _hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.find(marker)
    if start < 0:
        raise FlowError(f"no hidden field {name!r} in the page")
    start += len(marker)
    return html[start : html.index('"', start)]


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _expect(answer: Answer, *statuses: int) -> Answer:
    if answer.status not in statuses:
        raise FlowError(f"HTTP {answer.status}: {answer.text[:300]}")
    return answer


def sign_in_for_code(
    browser: Http, portal: Portal, email: str, scope: str, **params: str
) -> tuple[str, str]:
    """A fresh browser: authorize page, password, consent; returns (code, PKCE verifier)."""
    browser.cookies.clear()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": portal.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        **params,
    }
    answer = _expect(browser.get("/authorize?" + urlencode(query)), 302, 303)
    for _ in range(MAX_FLOW_STEPS):
        location = answer.header("location") or ""
        if answer.status in (302, 303) and location.startswith(REDIRECT_URI):
            found = _query(location)
            if "code" not in found:
                raise FlowError(f"no code: {found.get('error')} {found.get('error_description')}")
            return found["code"], verifier
        if answer.status in (302, 303):
            answer = browser.get(location.removeprefix(browser.base))
            continue
        page = _expect(answer, 200).text
        if 'name="password"' in page:
            answer = browser.post(
                "/login",
                {
                    "email": email,
                    "password": PASSWORD,
                    "interaction": _hidden(page, "interaction"),
                    "csrf_token": _hidden(page, "csrf_token"),
                },
            )
        elif 'name="decision"' in page:
            answer = browser.post(
                "/authorize/consent",
                {
                    "interaction": _hidden(page, "interaction"),
                    "decision": "allow",
                    "csrf_token": _hidden(page, "csrf_token"),
                },
            )
        else:
            raise FlowError(f"unexpected page: {page[:300]}")
    raise FlowError(f"no code after {MAX_FLOW_STEPS} steps")


def redeem_code(http: Http, portal: Portal, code: str, verifier: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    tokens: dict[str, Any] = _expect(http.post("/token", form, auth=portal.auth), 200).json()
    return tokens


def tokens_for(http: Http, portal: Portal, email: str, scope: str) -> dict[str, Any]:
    code, verifier = sign_in_for_code(http, portal, email, scope)
    return redeem_code(http, portal, code, verifier)


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
    ready = threading.Barrier(concurrency + 1)
    deadline: list[float] = [0.0]

    def worker(index: int) -> None:
        if cpus:
            os.sched_setaffinity(0, cpus)  # this thread only
        states[index] = setup(index)
        ready.wait()
        mine = latencies[index]
        for _ in range(per_thread):
            if time.monotonic() > deadline[0]:
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
    deadline[0] = time.monotonic() + max_seconds
    started = time.perf_counter()
    for thread in threads:
        thread.join(max_seconds + 120)
    elapsed = time.perf_counter() - started
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


def spread(values: list[float]) -> str:
    return "/".join(f"{v:.0f}" for v in values) + f" (median {statistics.median(values):.0f})"


# PostgreSQL and Redis from the Debian binaries -------------------------------------------

SERVER_PIDS: dict[str, int] = {}  # URL of a server started here -> its main process


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
