"""What a lean token endpoint and introspection could reach on this machine: target shapes.

Serves, from one FastAPI app on uvicorn (httptools, uvloop, one process on CPU 0), the
shapes a request core can take, and loads each with wrk from CPU 1 (16 connections). No
`idp` import: these are the targets, measured beside each other in one run.

The reference: `parse + Basic auth only`, the shared FastAPI floor's /form (no token).

client_credentials (form + HTTP Basic parsed by an async dependency, ES256 JWT signed
with `cryptography`, client secret checked against a SHA-256 digest):
- `async`: everything on the event loop, client from memory (the FastAPI floor's
  /jwt-es256 shape);
- `def`: the same in a sync handler (FastAPI's thread pool: one hop per request);
- `def + client SELECT`: the client read from the database in a unit of work;
- `def + grant INSERT`: client from memory, one grant row inserted and committed in an
  ORM Session (`session.begin()`), and the same through a Core connection (`Core`);
- `def + SELECT + INSERT`: both (today's statements, without anything else).

introspection of that JWT (verify, then `exp`):
- `async, no DB`: verify only (no revocation check: the floor);
- `def + alive SELECT`: one statement asking whether the grant is alive (what immediate
  revocation needs) in an ORM Session, client from memory; and the same on a Core
  connection in autocommit (no BEGIN / ROLLBACK round trips on PostgreSQL).

Each line prints requests per second and the server's CPU µs per request (from /proc):
on a shared machine the second is the steadier figure, and a shape's throughput on a
dedicated core is about 1,000,000 / its CPU µs.

SQLite file in WAL mode by default, or PostgreSQL (the tables are created and dropped).
Rounds alternate; medians are kept. Needs wrk.
Run: `python bench/lean_shapes.py [SECONDS] [ROUNDS] [postgres]` (default 5 3 on SQLite;
`postgres` starts a throwaway PostgreSQL, BENCH_DATABASE_URL uses yours).
"""

# No `from __future__ import annotations`: FastAPI reads the handlers' annotations, and the
# dependency alias is local to `create_app`.

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from harness import ROOT, free_port, pinning, process_tree_cpu
from servers import postgres

CLIENT_ID, SECRET = "lean-client", "lean-secret-0123456789abcdefghij"  # bench only
DB_ENV = "LEAN_DATABASE_URL"


def create_app() -> Any:  # noqa: C901, PLR0915  # one app, its shapes side by side, on purpose
    """The app uvicorn serves (`--factory`); configured by LEAN_DATABASE_URL."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import (
        decode_dss_signature,
        encode_dss_signature,
    )
    from fastapi import Depends, FastAPI, Request
    from fastapi.responses import JSONResponse
    from sqlalchemy import (
        Column,
        MetaData,
        String,
        Table,
        bindparam,
        create_engine,
        insert,
        select,
    )
    from sqlalchemy.orm import Session, sessionmaker

    url = os.environ[DB_ENV]
    engine = create_engine(url, pool_size=20, max_overflow=0)
    if url.startswith("sqlite"):
        from sqlalchemy import event

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")
            dbapi_connection.execute("PRAGMA busy_timeout=10000")

    metadata = MetaData()
    clients = Table(
        "lean_clients",
        metadata,
        Column("client_id", String(64), primary_key=True),
        Column("secret_digest", String(64)),
    )
    grants = Table(
        "lean_grants",
        metadata,
        Column("id", String(32), primary_key=True),
        Column("client_id", String(64)),
        Column("revoked_at", String(32), nullable=True),
    )
    factory = sessionmaker(bind=engine)
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    known = {CLIENT_ID: digest}
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    header = base64.urlsafe_b64encode(b'{"alg":"ES256","kid":"k1","typ":"at+jwt"}').rstrip(b"=")

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    def sign(claims: dict[str, Any]) -> str:
        signing_input = header + b"." + b64(json.dumps(claims, separators=(",", ":")).encode())
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return (signing_input + b"." + b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))).decode()

    def verify(token: str) -> dict[str, Any] | None:
        try:
            signing_input, _, signature = token.encode().rpartition(b".")
            raw = base64.urlsafe_b64decode(signature + b"=" * (-len(signature) % 4))
            r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
            public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
            body = signing_input.split(b".")[1]
            claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + b"==="))
        except Exception:  # any failure to verify: inactive
            return None
        return claims if claims.get("exp", 0) > time.time() else None

    async def form_and_client(request: Request) -> tuple[dict[str, str], str | None]:
        params = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Basic "):
            return params, None
        client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        return params, f"{client_id}:{hashlib.sha256(secret.encode()).hexdigest()}"

    FormAndClient = Annotated[  # noqa: N806  # a type alias, named as one
        tuple[dict[str, str], str | None], Depends(form_and_client)
    ]

    def authenticated(presented: str | None, lookup: Callable[[str], str | None]) -> str | None:
        if presented is None:
            return None
        client_id, _, digest_given = presented.partition(":")
        stored = lookup(client_id)
        return client_id if stored and hmac.compare_digest(stored, digest_given) else None

    def issue(client_id: str, grant_id: str) -> JSONResponse:
        now = int(time.time())
        claims = {
            "iss": "http://127.0.0.1",
            "sub": client_id,
            "aud": client_id,
            "client_id": client_id,
            "iat": now,
            "exp": now + 600,
            "jti": secrets.token_urlsafe(16),
            "scope": "applications:write",
            "gid": grant_id,
        }
        body = {"access_token": sign(claims), "token_type": "Bearer", "expires_in": 600}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    def deny() -> JSONResponse:
        return JSONResponse({"error": "invalid_client"}, status_code=401)

    def from_db(db: Session) -> Callable[[str], str | None]:
        return lambda cid: db.scalar(
            select(clients.c.secret_digest).where(clients.c.client_id == cid)
        )

    metadata.drop_all(engine)
    metadata.create_all(engine)
    with factory() as db, db.begin():
        db.execute(insert(clients).values(client_id=CLIENT_ID, secret_digest=digest))
        db.execute(insert(grants).values(id="standing", client_id=CLIENT_ID))
    app = FastAPI()

    @app.post("/cc/async")
    async def cc_async(form: FormAndClient) -> JSONResponse:
        cid = authenticated(form[1], known.get)
        return issue(cid, "standing") if cid else deny()

    @app.post("/cc/def")
    def cc_def(form: FormAndClient) -> JSONResponse:
        cid = authenticated(form[1], known.get)
        return issue(cid, "standing") if cid else deny()

    @app.post("/cc/def-select")
    def cc_def_select(form: FormAndClient) -> JSONResponse:
        with factory() as db, db.begin():
            cid = authenticated(form[1], from_db(db))
        return issue(cid, "standing") if cid else deny()

    @app.post("/cc/def-insert")
    def cc_def_insert(form: FormAndClient) -> JSONResponse:
        cid = authenticated(form[1], known.get)
        if not cid:
            return deny()
        grant_id = secrets.token_hex(16)
        with factory() as db, db.begin():
            db.execute(insert(grants).values(id=grant_id, client_id=cid))
        return issue(cid, grant_id)

    @app.post("/cc/def-insert-core")
    def cc_def_insert_core(form: FormAndClient) -> JSONResponse:
        cid = authenticated(form[1], known.get)
        if not cid:
            return deny()
        grant_id = secrets.token_hex(16)
        with engine.begin() as conn:
            conn.execute(insert(grants).values(id=grant_id, client_id=cid))
        return issue(cid, grant_id)

    @app.post("/cc/def-select-insert")
    def cc_def_select_insert(form: FormAndClient) -> JSONResponse:
        grant_id = secrets.token_hex(16)
        with factory() as db, db.begin():
            cid = authenticated(form[1], from_db(db))
            if not cid:
                return deny()
            db.execute(insert(grants).values(id=grant_id, client_id=cid))
        return issue(cid, grant_id)

    def introspection(claims: dict[str, Any] | None) -> JSONResponse:
        answer = {"active": True, **claims} if claims else {"active": False}
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    @app.post("/form/async")
    async def form_async(form: FormAndClient) -> JSONResponse:
        if not authenticated(form[1], known.get):
            return deny()
        body = {"access_token": secrets.token_urlsafe(32), "token_type": "Bearer"}
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    @app.post("/introspect/async")
    async def introspect_async(form: FormAndClient) -> JSONResponse:
        if not authenticated(form[1], known.get):
            return deny()
        return introspection(verify(form[0].get("token", "")))

    alive = select(grants.c.revoked_at.is_(None)).where(grants.c.id == bindparam("gid"))

    @app.post("/introspect/def-select")
    def introspect_def_select(form: FormAndClient) -> JSONResponse:
        if not authenticated(form[1], known.get):
            return deny()
        claims = verify(form[0].get("token", ""))
        if claims is not None:
            with factory() as db, db.begin():
                row = db.execute(alive, {"gid": claims["gid"]}).first()
            claims = claims if row is not None and row[0] else None
        return introspection(claims)

    reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    @app.post("/introspect/def-select-core")
    def introspect_def_select_core(form: FormAndClient) -> JSONResponse:
        if not authenticated(form[1], known.get):
            return deny()
        claims = verify(form[0].get("token", ""))
        if claims is not None:
            with reader.connect() as conn:
                row = conn.execute(alive, {"gid": claims["gid"]}).first()
            claims = claims if row is not None and row[0] else None
        return introspection(claims)

    return app


CASES = [
    ("parse + Basic auth only, async (floor /form)", "/form/async", False),
    ("client_credentials: async, client in memory", "/cc/async", False),
    ("client_credentials: def (thread-pool hop)", "/cc/def", False),
    ("client_credentials: def + client SELECT", "/cc/def-select", False),
    ("client_credentials: def + grant INSERT", "/cc/def-insert", False),
    ("client_credentials: def + grant INSERT, Core", "/cc/def-insert-core", False),
    ("client_credentials: def + SELECT + INSERT", "/cc/def-select-insert", False),
    ("introspection: async, verify only", "/introspect/async", True),
    ("introspection: def + alive SELECT", "/introspect/def-select", True),
    ("introspection: def + alive SELECT, Core autocommit", "/introspect/def-select-core", True),
]


def wrk(url: str, body: str, seconds: int, cpus: set[int] | None) -> tuple[float, int]:
    prefix = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] if cpus else []
    auth = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    script = Path(__file__).resolve().parent / "wrk" / "post.lua"
    done = subprocess.run(  # noqa: S603  # wrk, bounded by -d and timeout
        [*prefix, "wrk", "-t1", "-c16", f"-d{seconds}s", "-s", str(script), url],
        env={**os.environ, "AUTH": auth, "BODY": body},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    found = re.search(r"RESULT rps=([\d.]+) .* reqs=(\d+) non2xx=(\d+)", done.stdout)
    if found is None or int(found[3]):
        raise SystemExit(f"wrk {url}: {done.stdout[-400:]}")
    return float(found[1]), int(found[2])


def serve(database_url: str, cpus: set[int] | None) -> tuple[subprocess.Popen[bytes], str, str]:
    """The app on a free port: (process, base URL, an access token it issued)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603  # uvicorn with fixed arguments
        [
            *(sys.executable, "-m", "uvicorn", "lean_shapes:create_app", "--factory"),
            *("--port", str(port), "--http", "httptools", "--loop", "uvloop"),
            *("--no-access-log", "--log-level", "warning"),
        ],
        cwd=ROOT / "bench",
        env={**os.environ, DB_ENV: database_url},
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )
    base = f"http://127.0.0.1:{port}"
    auth = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    for _ in range(100):
        done = subprocess.run(  # noqa: S603  # curl with fixed arguments
            [
                *(shutil.which("curl") or "curl", "-fs", "-X", "POST"),
                *("-H", f"Authorization: Basic {auth}", "-d", "grant_type=client_credentials"),
                base + "/cc/async",
            ],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return process, base, json.loads(done.stdout)["access_token"]
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the lean app did not answer")


def measure(database_url: str, seconds: int, rounds: int) -> None:
    server_cpus, client_cpus = pinning()
    process, base, token = serve(database_url, server_cpus)
    rates: dict[str, list[float]] = {label: [] for label, *_ in CASES}
    cpu: dict[str, list[float]] = {label: [] for label, *_ in CASES}
    try:
        for _ in range(rounds):
            for label, path, introspects in CASES:
                body = f"token={token}" if introspects else "grant_type=client_credentials"
                before = process_tree_cpu(process.pid)
                rate, count = wrk(base + path, body, seconds, client_cpus)
                rates[label].append(rate)
                cpu[label].append((process_tree_cpu(process.pid) - before) / max(1, count) * 1e6)
    finally:
        process.terminate()
        process.wait(timeout=15)
    where = f"server on CPU {sorted(server_cpus)}" if server_cpus else "not pinned"
    engine = database_url.split(":", 1)[0].split("+")[0]
    print(
        f"FastAPI + uvicorn (httptools, uvloop), {engine}, {where}; wrk -c16 {seconds}s x {rounds}"
    )
    for label, *_ in CASES:
        print(
            f"{label:<52} {statistics.median(rates[label]):7.0f} req/s  "
            f"{statistics.median(cpu[label]):5.0f} µs CPU/request"
        )


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    on_postgres = len(sys.argv) > 3 and sys.argv[3] == "postgres"
    if os.environ.get("BENCH_DATABASE_URL"):
        measure(os.environ["BENCH_DATABASE_URL"], seconds, rounds)
    elif on_postgres:
        with postgres() as admin:
            measure(admin, seconds, rounds)
    else:
        with tempfile.TemporaryDirectory() as folder:
            measure(f"sqlite:///{folder}/lean.db", seconds, rounds)


if __name__ == "__main__":
    main()
