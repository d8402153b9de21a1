"""Where a request's time goes: CPU µs per request of a real `idp serve`, split by component.

For each endpoint of `side-by-side.sh` (discovery, JWKS, client_credentials, introspection)
the server runs alone on CPU 0 and wrk loads it from CPU 1 (16 connections):

1. wrk alone: requests served, and the server's CPU time over the same span from /proc,
   for the event-loop thread and for the other threads (the thread pool, the outbox
   dispatcher), so CPU µs per request do not depend on what else the machine runs;
2. wrk again with py-spy sampling the server at 250 Hz (non-blocking; py-spy's own idle
   detection is unreliable here, so samples of pool threads waiting for work are dropped
   by their frame). Each sample goes to the innermost marked function of ours on its
   stack (client lookup, grant insert, JWT sign...), else to the library of its innermost
   frame (uvicorn/httptools, the event loop's C code, Starlette/FastAPI, SQLAlchemy...).

A thread's CPU per request times a bucket's share of that thread's samples gives µs per
request. Needs wrk and py-spy (pip install py-spy; not a project dependency). Library
buckets are paths, so they still read after `idp/` is rewritten; the marked functions are
today's names and will move.
Run: `python bench/profile_endpoints.py [SECONDS]` (default 10); IDP_DATABASE_URL and
IDP_REDIS_URL are passed through; PROFILE_KEEP=<folder> keeps py-spy's raw stacks.
"""

from __future__ import annotations

import base64
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import Http, IdpServer, free_port, idp_cli, migrated_env, pinning

WRK_LUA = Path(__file__).resolve().parent / "wrk"
LIBRARIES = [  # (bucket, path fragment) matched on the innermost frame, first match wins
    ("DB driver (sqlite3 / psycopg)", ("sqlite3/", "psycopg/", "psycopg_binary")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("JOSE: joserfc + cryptography", ("joserfc/", "cryptography/")),
    ("authlib", ("authlib/",)),
    ("json / base64 / hashlib", ("json/", "base64.py", "hashlib", "hmac.py")),
    ("thread pool (anyio worker, queue, threading)", ("anyio/", "threading.py", "queue.py")),
    ("uvicorn protocol (httptools / h11)", ("uvicorn/", "httptools", "h11/")),
    ("event loop (uvloop / asyncio, native I/O)", ("asyncio/", "uvloop", "<frozen runpy>")),
    ("FastAPI routing and dependencies", ("fastapi/",)),
    ("Starlette (request, responses, middleware)", ("starlette/",)),
    ("pydantic", ("pydantic",)),
    ("jinja2 / babel", ("jinja2/", "babel/")),
    ("redis client", ("redis/",)),
    ("random / secrets / uuid", ("random.py", "secrets.py", "uuid.py")),
    ("datetime / os / other stdlib", ("datetime", "<frozen os>", "typing.py", "enum.py")),
]
PHASES = [  # (phase, function names of ours): the innermost marker on the stack wins
    ("SQLite connection opened (pool overflow)", ("_sqlite_pragmas",)),
    ("authlib server built per request", ("build_server", "IdpAuthorizationServer.__init__")),
    ("client lookup + secret check", ("find_client", "query_client", "check_client_secret")),
    ("JWT sign", ("sign_jwt",)),
    ("JWT verify", ("verify_jwt",)),
    ("keyring / JWKS rows", ("_published_rows", "public_jwks", "signing_key")),
    ("grant row insert", ("create_grant", "start_grant")),
    ("token alive / revoked query", ("read_access_token",)),
    ("refresh token rows", ("issue_refresh_token", "check_refresh_token", "rotate_refresh_token")),
    ("transaction begin / commit", ("Runtime.transaction", "transaction")),
    ("form parsing", ("read_request_info", "read_form", "read_query")),
    ("outbox dispatcher (background)", ("OutboxDispatcher._run", "deliver_due")),
    ("CSRF cookie middleware", ("CsrfCookieMiddleware.__call__", "read_cookie")),
    ("locale middleware", ("LocaleMiddleware.__call__",)),
    ("security headers middleware", ("SecurityHeadersMiddleware.__call__",)),
]
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")
CASES = ["discovery", "jwks", "client_credentials", "introspection"]


OURS = ("idp/", "keys/", "consent/", "adapters/")
FRAMEWORK = ("starlette/", "fastapi/", "anyio/", "uvicorn/")


def classify_library(frames: list[tuple[str, str]]) -> str:
    _, file = frames[-1]
    if file.startswith(OURS):
        return "ours: " + file.rsplit(".", 1)[0]
    for bucket, fragments in LIBRARIES:
        if any(f in file for f in fragments):
            return bucket
    return "other: " + file


def _runs_beneath(frames: list[tuple[str, str]]) -> bool:
    """Whether the framework or our code runs beneath a frame (not its own work)."""
    return any(file.startswith(OURS) or any(f in file for f in FRAMEWORK) for _, file in frames)


def classify_phase(frames: list[tuple[str, str]]) -> str:
    """The innermost marked function of ours on the stack; else the library bucket.

    A middleware is marked too, so what runs beneath it (routing, the endpoint's
    framework work) counts as the endpoint's library, not as the middleware: only
    samples whose innermost frame of ours is the middleware's own code count for it."""
    for index in range(len(frames) - 1, -1, -1):
        func, file = frames[index]
        if not file.startswith(OURS):
            continue
        for phase, names in PHASES:
            marked = func in names or func.split(".")[-1] in names
            if marked and ("middleware" not in phase or not _runs_beneath(frames[index + 1 :])):
                return phase
    return classify_library(frames)


def parse(raw: str) -> list[tuple[list[tuple[str, str]], int]]:
    samples = []
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = []
        for part in stack.split(";"):
            found = FRAME.match(part.strip())
            if found:
                frames.append((found["func"], found["file"]))
        if frames:
            samples.append((frames, int(count)))
    return samples


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """CPU seconds (user + system) of the process, or of one of its threads."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    fields = Path(path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of every thread of the process so far."""
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:  # a thread that ended meanwhile
            continue
        total += sum(int(line.split()[1]) for line in lines if "ctxt_switches:" in line)
    return total


def wrk(
    url: str, seconds: int, cpus: set[int] | None, auth: str = "", body: str = ""
) -> tuple[int, float]:
    """(requests, seconds) of one wrk run; non-2xx answers abort the script."""
    prefix = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
    script = "post.lua" if body else "get.lua"
    done = subprocess.run(  # noqa: S603  # wrk, bounded by -d and timeout
        [*prefix, "wrk", "-t1", "-c16", f"-d{seconds}s", "-s", str(WRK_LUA / script), url],
        env={**os.environ, "AUTH": auth, "BODY": body},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    found = re.search(r"RESULT rps=([\d.]+) .* reqs=(\d+) non2xx=(\d+)", done.stdout)
    if found is None or int(found[3]):
        raise SystemExit(f"wrk {url}: {done.stdout[-500:]}")
    return int(found[2]), int(found[2]) / float(found[1])


WAITING = ("wait", "get", "join", "select")  # in threading.py, queue.py, selectors.py


def is_event_loop_thread(frames: list[tuple[str, str]]) -> bool:
    return any(f.startswith("Runner.run") or f == "asyncio_run" for f, _ in frames)


def measure_cpu(
    pid: int, case: tuple[str, str, str], seconds: int, cpus: set[int] | None
) -> tuple[float, float, float, float]:
    """(req/s, CPU µs per request on the event-loop thread, on the other threads,
    context switches per request) over one wrk run."""
    url, auth, body = case
    before = (cpu_seconds(pid), cpu_seconds(pid, pid), context_switches(pid))
    requests, elapsed = wrk(url, seconds, cpus, auth, body)
    after = (cpu_seconds(pid), cpu_seconds(pid, pid), context_switches(pid))
    loop = (after[1] - before[1]) / requests * 1e6
    others = (after[0] - before[0]) / requests * 1e6 - loop
    return requests / elapsed, loop, others, (after[2] - before[2]) / requests


def sample(pid: int, case: tuple[str, str, str], seconds: int, cpus: set[int] | None) -> str:
    """py-spy's raw stacks of the server while wrk loads it."""
    url, auth, body = case
    out = Path(tempfile.mkdtemp()) / "profile.raw"
    prefix = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
    script = "post.lua" if body else "get.lua"
    load = subprocess.Popen(  # noqa: S603  # wrk, bounded by -d
        [*prefix, "wrk", "-t1", "-c16", f"-d{seconds + 2}s", "-s", str(WRK_LUA / script), url],
        env={**os.environ, "AUTH": auth, "BODY": body},
        stdout=subprocess.DEVNULL,
    )
    time.sleep(1)
    spy = [*prefix, "py-spy", "record", "--pid", str(pid), "--rate", "250", "--nonblocking"]
    spy += ["--duration", str(seconds), "--format", "raw", "-o", str(out)]
    subprocess.run(spy, capture_output=True, timeout=seconds + 60, check=True)  # noqa: S603
    load.wait(timeout=seconds + 60)
    raw = out.read_text()
    keep = os.environ.get("PROFILE_KEEP")
    if keep:
        shutil.copy(out, Path(keep) / (url.rstrip("/").rsplit("/", 1)[-1] + ".raw"))
    shutil.rmtree(out.parent, ignore_errors=True)
    return raw


def profile_case(
    server: IdpServer, case: tuple[str, str, str], seconds: int, cpus: set[int] | None
) -> None:
    assert server.process is not None  # started
    pid = server.process.pid
    wrk(case[0], min(2, seconds), cpus, case[1], case[2])  # warm up
    rate, loop_us, others_us, switches = measure_cpu(pid, case, seconds, cpus)
    samples = parse(sample(pid, case, seconds, cpus))
    print(
        f"\n{case[0].split('/', 3)[-1]}: {rate:.0f} req/s; CPU per request "
        f"{loop_us + others_us:.0f} µs = event-loop thread {loop_us:.0f} + other threads "
        f"{others_us:.0f}; {switches:.1f} context switches per request"
    )
    for title, mine, budget in (
        ("event-loop thread", is_event_loop_thread, loop_us),
        ("other threads (thread pool, outbox dispatcher)", None, others_us),
    ):
        buckets: collections.Counter[str] = collections.Counter()
        for frames, n in samples:
            on_loop = is_event_loop_thread(frames)
            if (mine is not None) != on_loop:
                continue
            func, file = frames[-1]
            waiting = file.endswith(("threading.py", "queue.py", "selectors.py"))
            if not on_loop and waiting and func.split(".")[-1] in WAITING:
                continue  # an idle worker waiting for work, not CPU
            buckets[classify_phase(frames)] += n
        total = sum(buckets.values()) or 1
        print(f"  {title}: {budget:.0f} µs, {total} samples")
        for name, n in buckets.most_common(9):
            print(f"    {n / total * 100:5.1f}%  {n / total * budget:6.0f} µs  {name}")


def main() -> None:
    if shutil.which("wrk") is None or shutil.which("py-spy") is None:
        raise SystemExit("needs wrk (apt-get install wrk) and py-spy (pip install py-spy)")
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    server_cpus, client_cpus = pinning()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = migrated_env(Path(folder), port)
        client = idp_cli(
            env, "clients", "create", "--name", "Profiled portal",
            "--grant-type", "client_credentials", "--scope", "applications:write",
        )  # fmt: skip
        auth = (client["client_id"], client["client_secret"])
        basic = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        form = "grant_type=client_credentials&scope=applications%3Awrite"
        with IdpServer(env, port, cpus=server_cpus) as server:
            token = Http(server.url).post("/token", {"grant_type": "client_credentials"}, auth=auth)
            cases = {
                "discovery": (server.url + "/.well-known/openid-configuration", "", ""),
                "jwks": (server.url + "/jwks", "", ""),
                "client_credentials": (server.url + "/token", basic, form),
                "introspection": (
                    server.url + "/introspect",
                    basic,
                    "token=" + token.json()["access_token"],
                ),
            }
            where = f"server on CPU {sorted(server_cpus)}" if server_cpus else "not pinned"
            print(
                f"idp serve ({env.get('IDP_DATABASE_URL') or 'SQLite'}), {where}; {seconds} s each"
            )
            for name in CASES:
                profile_case(server, cases[name], seconds, client_cpus)


if __name__ == "__main__":
    main()
