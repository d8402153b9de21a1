"""Database engine, sessions and the unit of work: one place that knows SQLite from PostgreSQL.

The caller owns the transaction: a request gets one from `idp.http.deps` (committed or
rolled back there), a CLI command or the outbox dispatcher from `unit_of_work`; services
only `flush()`. SQLite gets WAL and a busy timeout so the CLI can write while `idp serve`
runs on the same file. PostgreSQL gets a connect timeout, a statement timeout and a lock
timeout, so a stuck database answers an error instead of holding a request forever.

A frozen PostgreSQL (a stopped process, a partitioned network) answers nothing, not even
the server-side `statement_timeout`, and TCP keepalive or `tcp_user_timeout` never fire
while the peer's kernel still acknowledges. So every wait of a connection on its server
has a client-side deadline (`DeadlineConnection`): the statement timeout plus a margin,
after which the connection is closed and the caller gets an `OperationalError` (503), and
SQLAlchemy discards the connection. Measured: a query on a SIGSTOPped server fails
after the deadline ± 0.1 s. Errors never carry SQL parameters (`hide_parameters`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import Engine, Insert, create_engine, event, insert, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Beyond the server's own statement timeout, how long to wait before calling it frozen.
RESPONSE_MARGIN_SECONDS = 1.0
PSYCOPG_WAIT_INTERVAL_SECONDS = 0.1  # psycopg's own default: how often a wait wakes up


@dataclass(frozen=True, slots=True)
class DatabaseLimits:
    """How long the service waits for the database before it gives up (and answers 503)."""

    connect_timeout_seconds: int = 3
    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 3_000
    pool_timeout_seconds: float = 3.0
    # As many connections as requests can use at once (the thread pool runs up to 40),
    # kept open: a connection opened and closed per request costs PostgreSQL ~8 ms of CPU.
    pool_size: int = 20
    max_overflow: int = 10

    @property
    def response_timeout_seconds(self) -> float:
        return self.statement_timeout_ms / 1000 + RESPONSE_MARGIN_SECONDS


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait on the server ends by a deadline.

    psycopg has no client-side query timeout; its `wait` takes one (psycopg >= 3.3) and
    raises its `_WaitTimeout` (an `OperationalError`). The protocol is then in an unknown
    state, so the connection is closed: SQLAlchemy sees it `closed` and invalidates it.
    """

    response_timeout_seconds: float = DatabaseLimits().response_timeout_seconds

    def wait(
        self,
        gen: Any,
        interval: float = PSYCOPG_WAIT_INTERVAL_SECONDS,
        timeout: float | None = None,
    ) -> Any:
        deadline = self.response_timeout_seconds if timeout is None else timeout
        try:
            return super().wait(gen, interval=interval, timeout=deadline)
        except pg_errors._WaitTimeout:  # the documented error of a wait that timed out
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"the database did not answer within {deadline:g} s; connection closed"
            ) from None


def create_db_engine(url: str, limits: DatabaseLimits | None = None) -> Engine:
    limits = limits or DatabaseLimits()
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            hide_parameters=True,
            pool_size=limits.pool_size,
            max_overflow=limits.max_overflow,
        )

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
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=limits.pool_size,
        max_overflow=limits.max_overflow,
        pool_timeout=limits.pool_timeout_seconds,
        hide_parameters=True,
        connect_args={"connect_timeout": limits.connect_timeout_seconds, "options": options},
    )
    if engine.dialect.driver == "psycopg":
        deadline = limits.response_timeout_seconds

        @event.listens_for(engine, "do_connect")
        def _connect_with_deadline(
            _dialect: Any, _record: Any, cargs: Any, cparams: Any
        ) -> DeadlineConnection:
            connection = DeadlineConnection.connect(*cargs, **cparams)
            connection.response_timeout_seconds = deadline
            return connection

    return engine


CONNECTED = "connected"


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_begin", _note_connection)
    return factory


def create_read_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose statements each run on their own (autocommit): one round trip per
    read on PostgreSQL instead of three (BEGIN, the read, COMMIT). Writing is refused."""
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    factory = sessionmaker(bind=autocommit, expire_on_commit=False, autoflush=False)
    event.listen(factory, "after_begin", _note_connection)
    event.listen(factory, "before_flush", _refuse_writes)
    return factory


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only unit of work tried to write")


def _note_connection(session: Session, _transaction: Any, _connection: Any) -> None:
    """Remember that this session used the database (so its end needs the thread pool)."""
    session.info[CONNECTED] = True


UNDO_IF_NOT_COMMITTED = "undo_if_not_committed"


def undo_if_not_committed(session: Session, action: Callable[[], None]) -> None:
    """Run `action` if this session's transaction ends without committing: to put back
    what the request took outside the database on the strength of it (a code popped from
    the store), so a retry after a 503 finds it. `action` must not raise."""
    session.info.setdefault(UNDO_IF_NOT_COMMITTED, []).append(action)


def undo_what_was_not_committed(session: Session) -> None:
    for action in reversed(session.info.pop(UNDO_IF_NOT_COMMITTED, [])):
        action()


def has_used_database(session: Session) -> bool:
    return bool(session.info.get(CONNECTED))


def release_in_this_thread(session: Session) -> None:
    """Close a read-only session where its statements ran (the handler's thread), so the
    request's dependency has nothing left to do on the event loop: no second thread hop."""
    session.close()
    session.info.pop(CONNECTED, None)


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


def insert_ignoring_duplicates(session: Session, model: type[Any]) -> Insert:
    """INSERT that skips a row whose key another transaction wrote first (`ON CONFLICT DO
    NOTHING` on both backends), so concurrent first writes of one key do not fail."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql_insert(model).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite_insert(model).on_conflict_do_nothing()
    return insert(model)
