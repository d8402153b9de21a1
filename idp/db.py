"""Database engine, sessions and the unit of work: one place that knows SQLite from PostgreSQL.

The caller owns the transaction: a request gets one from `idp.http.deps` (committed or
rolled back there), a CLI command or the outbox dispatcher from `unit_of_work`; services
only `flush()`. SQLite gets WAL and a busy timeout so the CLI can write while `idp serve`
runs on the same file. PostgreSQL gets a connect timeout, a statement timeout and a lock
timeout, so a stuck database answers an error instead of holding a request forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True, slots=True)
class DatabaseLimits:
    """How long the service waits for the database before it gives up (and answers 503)."""

    connect_timeout_seconds: int = 3
    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 3_000
    pool_timeout_seconds: float = 3.0
    pool_size: int = 10
    max_overflow: int = 20


def create_db_engine(url: str, limits: DatabaseLimits | None = None) -> Engine:
    limits = limits or DatabaseLimits()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    options = (
        f"-c statement_timeout={limits.statement_timeout_ms} "
        f"-c lock_timeout={limits.lock_timeout_ms} "
        "-c idle_in_transaction_session_timeout=60000"
    )
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=limits.pool_size,
        max_overflow=limits.max_overflow,
        pool_timeout=limits.pool_timeout_seconds,
        connect_args={"connect_timeout": limits.connect_timeout_seconds, "options": options},
    )


CONNECTED = "connected"


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_begin", _note_connection)
    return factory


def _note_connection(session: Session, _transaction: Any, _connection: Any) -> None:
    """Remember that this session used the database (so its end needs the thread pool)."""
    session.info[CONNECTED] = True


def has_used_database(session: Session) -> bool:
    return bool(session.info.get(CONNECTED))


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction outside a request (CLI, dispatcher): commit on success, else roll back."""
    with factory() as session, session.begin():
        yield session


def serialize_with_writers(session: Session) -> None:
    """Make the rest of this transaction exclusive with every other writer on SQLite.

    PostgreSQL serializes with row locks (`SELECT ... FOR UPDATE/SHARE`, in the services);
    SQLite ignores those, so a transaction that reads a row and then writes on the strength
    of it (issuing a delegated token) takes the database's write lock first: `BEGIN
    IMMEDIATE`, unless a write already holds it.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.execute(text("BEGIN IMMEDIATE"))
