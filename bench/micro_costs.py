"""The unit costs a request of Passerelle is made of, on this machine, in µs per call.

- a thread-pool hop (anyio's `to_thread.run_sync`, what FastAPI does for a `def` handler
  and Starlette's `run_in_threadpool`), on uvloop, one at a time;
- ES256 sign and verify of an access-token-sized JWT with joserfc, and with `cryptography`
  directly (the same bytes on the wire); RS256 sign with joserfc (ID tokens) for scale;
- a primary-key read through SQLAlchemy 2 on SQLite (WAL file) and PostgreSQL (started
  here from the Debian binaries, or BENCH_POSTGRES_URL): a new ORM session with
  `session.begin()` and `session.get` (what one unit of work per request costs), the same
  with `pool_pre_ping` (idp/db.py's PostgreSQL engine today), a Core `connection.execute`,
  and psycopg on a held connection (the floor);
- `json.dumps` of a discovery-sized document (what a prebuilt response saves).

Each figure is the best of 7 batches, in wall time and in this process's CPU time.
Nothing here imports `idp`: the figures stay comparable across rewrites of the service.
Run: `python bench/micro_costs.py [N]` (default 2000 calls per figure; PIN=1 pins to CPU 0).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import psycopg
import uvloop
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from harness import pinning
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from servers import libpq, postgres
from sqlalchemy import Engine, String, bindparam, create_engine, event, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

ROWS = 1000


BATCHES = 7


def report(label: str, batches: list[tuple[float, float]]) -> float:
    """Print the best wall and CPU time per call over the batches; return the wall one.

    On a shared machine the best batch is the least disturbed one, the closest to the
    cost; CPU time (this process's, all threads) ignores the other processes entirely but
    not the waits (a database round trip is wall time only)."""
    wall, cpu = min(b[0] for b in batches), min(b[1] for b in batches)
    print(f"{label:<58} {wall:8.1f} µs wall {cpu:8.1f} µs CPU")
    return wall


def timed(label: str, n: int, call: Callable[[], object]) -> float:
    for _ in range(min(50, n)):
        call()
    batches = []
    size = max(1, n // BATCHES)
    for _ in range(BATCHES):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(size):
            call()
        batches.append(
            ((time.perf_counter() - wall) / size * 1e6, (time.process_time() - cpu) / size * 1e6)
        )
    return report(label, batches)


# Thread-pool hops -------------------------------------------------------------------------


def threadpool_hops(n: int) -> None:
    from starlette.concurrency import run_in_threadpool

    def noop() -> None:
        return None

    async def hops(kind: str) -> list[tuple[float, float]]:
        for _ in range(50):
            await anyio.to_thread.run_sync(noop)
        batches = []
        size = max(1, n // BATCHES)
        for _ in range(BATCHES):
            wall, cpu = time.perf_counter(), time.process_time()
            for _ in range(size):
                if kind == "anyio":
                    await anyio.to_thread.run_sync(noop)
                else:
                    await run_in_threadpool(noop)
            batches.append(
                (
                    (time.perf_counter() - wall) / size * 1e6,
                    (time.process_time() - cpu) / size * 1e6,
                )
            )
        return batches

    for kind, label in (
        ("anyio", "thread-pool hop: anyio.to_thread.run_sync"),
        ("starlette", "thread-pool hop: starlette run_in_threadpool"),
    ):
        report(label, uvloop.run(hops(kind)))


# JWT signatures ---------------------------------------------------------------------------


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def access_token_claims() -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": "http://127.0.0.1:8000",
        "sub": secrets.token_hex(16),
        "aud": "portal-client-id-0123456789",
        "client_id": "portal-client-id-0123456789",
        "iat": now,
        "exp": now + 600,
        "jti": secrets.token_urlsafe(16),
        "scope": "openid profile email",
        "gid": secrets.token_hex(16),
    }


def signatures(n: int) -> None:
    claims = access_token_claims()
    header = {"alg": "ES256", "kid": "es256-1", "typ": "at+jwt"}
    key = ECKey.generate_key("P-256", parameters={"kid": "es256-1", "alg": "ES256"})
    keyset = KeySet([key])
    private: ec.EllipticCurvePrivateKey = key.private_key  # type: ignore[assignment]
    public = private.public_key()
    token = jwt.encode(header, claims, key, algorithms=["ES256"])

    def sign_direct() -> bytes:
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + b"."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        r, s = decode_dss_signature(private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return signing_input + b"." + _b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def verify_direct() -> dict[str, object]:
        raw = token.encode()
        signing_input, _, signature = raw.rpartition(b".")
        sig = _unb64(signature)
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        public.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        head, _, body = signing_input.partition(b".")
        json.loads(_unb64(head))
        claims_out: dict[str, object] = json.loads(_unb64(body))
        return claims_out

    assert jwt.decode(sign_direct().decode(), keyset, algorithms=["ES256"]).claims == claims
    assert verify_direct() == claims
    timed("ES256 sign, joserfc jwt.encode", n, lambda: jwt.encode(header, claims, key, ["ES256"]))
    timed("ES256 sign, cryptography + json + base64", n, sign_direct)
    timed("ES256 verify, joserfc jwt.decode (KeySet)", n, lambda: jwt.decode(token, keyset))
    timed("ES256 verify, cryptography + json + base64", n, verify_direct)
    rsa_key = RSAKey.generate_key(2048, parameters={"kid": "rs256-1", "alg": "RS256"})
    timed(
        "RS256 sign (ID tokens), joserfc jwt.encode",
        max(200, n // 4),
        lambda: jwt.encode({"alg": "RS256", "kid": "rs256-1"}, claims, rsa_key, ["RS256"]),
    )


# Database reads ---------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "bench_items"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


def _fill(engine: Engine) -> list[str]:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    ids = [secrets.token_hex(16) for _ in range(ROWS)]
    with Session(engine) as db, db.begin():
        db.execute(insert(Item), [{"id": i, "value": "x" * 100} for i in ids])
    return ids


def database_reads(label: str, url: str, n: int) -> None:
    engine = create_engine(url, pool_size=10)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[attr-defined]

    ids = _fill(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    pick = iter(ids * (n // ROWS + 100))
    by_id = select(Item.id, Item.value).where(Item.id == bindparam("i"))

    def orm_get(chosen: sessionmaker[Session]) -> Callable[[], object]:
        def call() -> object:
            with chosen() as db, db.begin():
                return db.get(Item, next(pick))

        return call

    def core() -> object:
        with engine.connect() as conn:
            return conn.execute(by_id, {"i": next(pick)}).first()

    timed(f"{label}: new Session + begin + session.get + commit", n, orm_get(factory))
    if not url.startswith("sqlite"):
        pinged = create_engine(url, pool_size=10, pool_pre_ping=True)
        timed(
            f"{label}: the same with pool_pre_ping=True",
            n,
            orm_get(sessionmaker(bind=pinged, expire_on_commit=False)),
        )
        pinged.dispose()
    timed(f"{label}: Core engine.connect + execute(select)", n, core)
    if url.startswith("sqlite"):
        raw = engine.raw_connection()
        cursor = raw.cursor()
        timed(
            f"{label}: sqlite3 cursor on a held connection (floor)",
            n,
            lambda: cursor.execute(
                "SELECT id, value FROM bench_items WHERE id = ?", (next(pick),)
            ).fetchone(),
        )
        raw.close()
    else:
        with psycopg.connect(libpq(url), autocommit=True) as conn:
            timed(
                f"{label}: psycopg on a held connection (floor)",
                n,
                lambda: conn.execute(
                    "SELECT id, value FROM bench_items WHERE id = %s", (next(pick),)
                ).fetchone(),
            )
    Base.metadata.drop_all(engine)
    engine.dispose()


# JSON -----------------------------------------------------------------------------------


def json_costs(n: int) -> None:
    document = {
        "issuer": "http://127.0.0.1:8000",
        **{f"{name}_endpoint": f"http://127.0.0.1:8000/{name}" for name in "abcdefgh"},
        **{f"{name}_supported": ["one", "two", "three", "four"] for name in "ijklmnopqrstuv"},
    }
    timed("json.dumps of a discovery-sized document (~1.5 kB)", n, lambda: json.dumps(document))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    server_cpus, _ = pinning()
    if server_cpus:
        os.sched_setaffinity(0, server_cpus)
    print(f"python {sys.version.split()[0]}; {n} calls per figure; best of {BATCHES} batches")
    threadpool_hops(n)
    signatures(n)
    json_costs(n)
    with tempfile.TemporaryDirectory() as folder:
        database_reads("SQLite", f"sqlite:///{Path(folder) / 'micro.sqlite3'}", n)
        with postgres() as admin:
            database_reads("PostgreSQL", admin, n)


if __name__ == "__main__":
    main()
