"""Benchmark of `idp legacy import` into PostgreSQL (default 1,000,000 rows), through COPY.

Writes a CSV export of N legacy accounts (each with a PBKDF2 hash and two application
numbers), then stages it with the code the CLI runs (`idp.cli.legacy.import_rows`: read,
check, batches of `BATCH_ROWS`, each a COPY into a temporary table and one upsert in its
own unit of work) and prints rows per second; then imports the same file again (every
row found unchanged: nothing duplicated) and prints that too.
Run from the repository root: `PYTHONPATH=. python bench/legacy_import.py [ROWS]` (it
starts PostgreSQL with `tests/servers.py`). It uses IDP_DATABASE_URL when it names a
PostgreSQL database, else starts a throwaway PostgreSQL from /usr/lib/postgresql/*/bin.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from adapters import load_portal_profiles
from idp.cli.legacy import import_rows
from idp.clients.sync import sync_portal_profiles
from idp.db import create_db_engine, create_session_factory, unit_of_work
from idp.legacy.hashes import make_legacy_hash
from idp.legacy.importer import BATCH_ROWS, resolve_legacy_portal
from idp.legacy.models import LegacyAccount
from idp.legacy.rows import read_export
from idp.migrations.runner import upgrade_database
from tests.servers import PostgresServer

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@contextmanager
def postgresql() -> Iterator[str]:
    configured = os.environ.get("IDP_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        yield configured
        return
    # In /tmp: the server's socket path must fit in 107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="idp-bench-pg-", dir="/tmp"))
    server = PostgresServer.start(folder)
    try:
        server.execute('CREATE DATABASE "bench"')
        yield server.url("bench")
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def write_export(path: Path, rows: int) -> None:
    """One header and `rows` accounts; one precomputed hash (hashing is not what is timed)."""
    password_hash = make_legacy_hash("an old portal password", "benchsalt")
    with path.open("w", encoding="utf-8") as export:
        export.write("username,email,name,password_hash,applications\n")
        for i in range(rows):
            export.write(
                f"user{i:07d},user{i:07d}@example.ca,Person {i},{password_hash},E{i:08d};W{i:08d}\n"
            )


def timed_import(factory, path: Path) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(factory) as db:
        portal = resolve_legacy_portal(db, "mycic")
    started = time.perf_counter()
    summary = import_rows(factory, read_export(path, "csv"), portal, NOW)
    elapsed = time.perf_counter() - started
    print(
        f"{summary.read:>9,} rows in {elapsed:7.1f} s = {summary.read / elapsed:>8,.0f} rows/s"
        f"  (new {summary.inserted:,}, updated {summary.updated:,}, "
        f"unchanged {summary.unchanged:,}, rejected {summary.rejected:,})"
    )


def main(rows: int) -> None:
    with postgresql() as url, tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(url)
        upgrade_database(engine)
        factory = create_session_factory(engine)
        with unit_of_work(factory) as db:
            mycic = [p for p in load_portal_profiles() if p.slug == "mycic"]
            sync_portal_profiles(db, mycic, NOW)  # registered as `idp portals sync` does
        export = Path(folder) / "mycic.csv"
        write_export(export, rows)
        size = export.stat().st_size / 1e6
        print(f"legacy import into PostgreSQL, batches of {BATCH_ROWS:,} ({size:,.0f} MB of CSV)")
        print("first import:", end=" ")
        timed_import(factory, export)
        print("re-import:   ", end=" ")
        timed_import(factory, export)
        with unit_of_work(factory) as db:
            staged = db.scalar(select(func.count()).select_from(LegacyAccount))
        print(f"staged rows: {staged:,}")
        engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
