"""What stops the service from starting, said in one line; the embedded data folder's locks.

`idp.bootstrap` builds the service through these checks, and anything that must stop it
is a `StartupRefused` whose message names the setting and what to do: an unreachable or
unmigrated database, a master key that cannot open the stored signing keys, a malformed
Redis URL, a second server on one data folder. The CLI prints it without a traceback
(exit code 2; `IDP_LOG_LEVEL=debug` adds the traceback).

The embedded default is one process by construction. Its data folder (`IDP_DATA_DIR`,
mode 0700, files 0600) holds two lock files (`fcntl.flock`, released by the kernel when
the process ends, even on `kill -9`):

- `serve.lock`, held by `idp serve` for its whole life: a second server on the folder is
  refused (two would each keep their own in-process store: codes would fail across them
  and the outbox would be sent twice). CLI commands do not take it; they coordinate with
  the running server through SQLite itself: WAL mode (readers never wait for the writer)
  and a busy timeout (a writer waits up to `SQLITE_BUSY_TIMEOUT_MS` for the other).
- `setup.lock`, taken around the first-start work (master key, migrations, first signing
  keys), so two processes starting at once on a new folder do it once, one after the other.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from idp.db import DatabaseLimits, create_db_engine, unit_of_work
from idp.migrations.runner import schema_revisions
from keys import Keyring, SealBroken

SERVER_LOCK_FILE = "serve.lock"
SETUP_LOCK_FILE = "setup.lock"
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


class StartupRefused(Exception):
    """The service cannot start as configured; the message names the setting and the fix."""

    code = "startup_refused"


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """A data folder that is read-only, full or not a folder refuses startup naming it."""
    try:
        yield
    except OSError as error:
        raise StartupRefused(
            f"IDP_DATA_DIR: cannot write {path} ({error.strerror or type(error).__name__}); "
            "the embedded defaults keep their database and locks there: give this user a "
            "writable folder with free space"
        ) from None


def make_private_folder(folder: Path) -> None:
    """Create `folder` readable by this user only (an existing folder keeps its mode)."""
    with _writing(folder):
        folder.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)


def make_private_file(path: Path) -> None:
    """Create `path` (if absent) readable by this user only, and narrow it if it exists."""
    with _writing(path):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        if path.stat().st_mode & 0o077:
            path.chmod(PRIVATE_FILE_MODE)


def _open_lock_file(path: Path) -> int:
    with _writing(path):
        return os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)


@dataclass
class ServerLock:
    """The data folder held by this `idp serve` until `release` or the process ends."""

    fd: int

    def release(self) -> None:
        os.close(self.fd)


def hold_server_lock(data_dir: Path) -> ServerLock:
    make_private_folder(data_dir)
    fd = _open_lock_file(data_dir / SERVER_LOCK_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise StartupRefused(
            f"IDP_DATA_DIR: another `idp serve` (pid {holder}) already serves {data_dir}; "
            "the embedded defaults are one process. Stop it, or give this server another "
            "IDP_DATA_DIR (or PostgreSQL and Redis for several processes)"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return ServerLock(fd)


@contextmanager
def first_start_lock(data_dir: Path) -> Iterator[None]:
    """Wait for any other process doing the first-start work on this folder, then do it."""
    make_private_folder(data_dir)
    fd = _open_lock_file(data_dir / SETUP_LOCK_FILE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _first_line(error: DBAPIError) -> str:
    return (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]


def open_database(url: str, limits: DatabaseLimits) -> Engine:
    """An engine whose database answered; else refuse, naming IDP_DATABASE_URL."""
    engine = create_db_engine(url, limits)
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        where = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        raise StartupRefused(
            f"IDP_DATABASE_URL: cannot connect to {where} ({_first_line(error)}); check that "
            "the database server runs and that the URL, user and password are right"
        ) from None
    return engine


def require_migrated(engine: Engine) -> None:
    """Refuse a database whose schema is not this version's (production never migrates
    by itself)."""
    applied, wanted = schema_revisions(engine)
    if applied == wanted:
        return
    state = f"at revision {', '.join(sorted(applied))}" if applied else "not migrated (empty)"
    raise StartupRefused(
        f"IDP_DATABASE_URL: the database is {state}, this version needs "
        f"{', '.join(sorted(wanted))}: run `idp db upgrade`"
    )


def require_signing_keys(
    factory: sessionmaker[Session], keyring: Keyring, algs: Iterable[str], key_source: str
) -> None:
    """Open every current signing key now, so a wrong master key stops startup instead of
    failing every token request."""
    with unit_of_work(factory) as db:
        for alg in algs:
            try:
                keyring.signing_key(db, alg)
            except SealBroken:
                raise StartupRefused(
                    f"{key_source} cannot open the stored signing keys: it is not the key "
                    "they were sealed with. Set the original master key (a new one cannot "
                    "read them)"
                ) from None
