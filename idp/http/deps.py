"""Request-scoped dependencies: the unit of work and the service's shared objects.

The one rule of the app: a handler or dependency that touches the database, the store,
the mail server or authlib is a plain `def`, which FastAPI runs in its thread pool;
`async def` is only for code that awaits non-blocking work (reading the body, one Redis
read through `redis.asyncio` under a timeout) or none at all (discovery, JWKS and the
machine endpoints' fast lane, from memory). So the event loop never waits on a database,
Redis or network call.

Each request that declares `Db` gets one SQLAlchemy session in one transaction from
`unit_of_work`: committed when the handler returns, rolled back when it raises, in this
one place (before the response is sent: `scope="function"`). A plain `def` handler's
transaction commits in the handler's own pool thread as it returns (`Router`'s routes
wrap the handler with `finish_unit_of_work`), so a request costs one thread hop, not two;
the dependency then only checks it is done. Services receive the
session and never commit. Mail queued during the request (`work.outgoing`, through
`idp.notifications.deps.Mail`) is sent after the commit, so nothing is announced that did
not happen.

The objects shared by every request (clock, store, keyring, mailer, settings) were put on
`app.state` by `create_app`; each has a typed dependency here or in its capability's
`deps.py`.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from adapters import EphemeralStore, Mailer, MailError, OutgoingMail
from idp.clock import Clock
from idp.db import has_used_database, undo_what_was_not_committed
from idp.errors import Unavailable
from idp.settings import Settings
from keys import Keyring, MasterKey

log = logging.getLogger("idp.http")


def shared(request: Request, name: str) -> Any:
    """An object `create_app` put on `app.state` (typed by the dependency that reads it)."""
    return getattr(request.app.state, name)


@dataclass
class UnitOfWork:
    """One request's transaction and the mail to send once it has committed."""

    session: Session
    mailer: Mailer
    outgoing: list[OutgoingMail] = field(default_factory=list)
    finished: bool = False


# The request's unit of work, for the handler's thread to finish (anyio copies the context).
_CURRENT_WORK: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)


def _commit(work: UnitOfWork) -> None:
    """Commit (no I/O when no statement ran: no connection was taken), close, send mail."""
    work.finished = True
    try:
        work.session.commit()
    except (DBAPIError, PoolTimeout) as error:
        undo_what_was_not_committed(work.session)
        raise Unavailable(
            "database", f"the database did not commit: {type(error).__name__}"
        ) from None
    finally:
        work.session.close()
    for mail in work.outgoing:
        try:
            work.mailer.send(mail)
        except MailError as error:
            raise Unavailable("mail", str(error)) from None


def _discard(work: UnitOfWork) -> None:
    try:
        work.session.rollback()
    finally:
        undo_what_was_not_committed(work.session)
        work.session.close()


async def unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    # Creating a session and beginning its transaction does no I/O (the connection is taken
    # at the first statement, in the thread pool); commit and rollback run there too.
    factory = cast(sessionmaker[Session], shared(request, "session_factory"))
    work = UnitOfWork(factory(), cast(Mailer, shared(request, "mailer")))
    work.session.begin()
    _CURRENT_WORK.set(work)
    try:
        yield work
    except BaseException:
        if not work.finished:
            await run_in_threadpool(_discard, work)
        raise
    if work.finished:  # committed in the handler's thread
        return
    if not has_used_database(work.session) and not work.outgoing:
        work.session.close()  # nothing was read or written: ending it is no I/O
        return
    await run_in_threadpool(_commit, work)


def finish_unit_of_work(handler: Callable[..., Any]) -> Callable[..., Any]:
    """`handler` (a plain `def`) that commits the request's unit of work in its own thread
    when it returns; when it raises, the dependency rolls back as before."""

    @functools.wraps(handler)
    def finishing(*args: Any, **kwargs: Any) -> Any:
        response = handler(*args, **kwargs)
        work = _CURRENT_WORK.get()
        if work is not None and not work.finished:
            _commit(work)
        return response

    return finishing


class UnitOfWorkRoute(APIRoute):
    """A route whose plain-`def` handler finishes the unit of work in its own thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = finish_unit_of_work(endpoint)
        super().__init__(path, endpoint, **kwargs)


def Router(**kwargs: Any) -> APIRouter:  # noqa: N802  # reads as the class it builds
    """Every capability's router: `APIRouter` with `UnitOfWorkRoute` routes."""
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)


Work = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]


async def db_session(work: Work) -> Session:
    return work.session


def _close(session: Session) -> None:
    session.close()


async def read_only_session(request: Request) -> AsyncIterator[Session]:
    """A session for a request that only reads (introspection): each statement runs on its
    own, with no BEGIN or COMMIT round trip, and nothing may be written (`flush` refuses)."""
    factory = cast(sessionmaker[Session], shared(request, "read_session_factory"))
    session = factory()
    try:
        yield session
    finally:
        if has_used_database(session):
            await run_in_threadpool(_close, session)
        else:
            session.close()


async def app_clock(request: Request) -> Clock:
    return cast(Clock, shared(request, "clock"))


async def request_time(clock: Annotated[Clock, Depends(app_clock)]) -> datetime:
    """One `now` for the whole request, so every check in it agrees on the time."""
    return clock.now()


async def app_store(request: Request) -> EphemeralStore:
    return cast(EphemeralStore, shared(request, "store"))


async def app_settings(request: Request) -> Settings:
    return cast(Settings, shared(request, "settings"))


async def app_keyring(request: Request) -> Keyring:
    return cast(Keyring, shared(request, "keyring"))


async def app_master_key(request: Request) -> MasterKey:
    return cast(MasterKey, shared(request, "master_key"))


Db = Annotated[Session, Depends(db_session)]
ReadDb = Annotated[Session, Depends(read_only_session, scope="function")]
Now = Annotated[datetime, Depends(request_time)]
AppClock = Annotated[Clock, Depends(app_clock)]
Store = Annotated[EphemeralStore, Depends(app_store)]
AppSettings = Annotated[Settings, Depends(app_settings)]
Keys = Annotated[Keyring, Depends(app_keyring)]
Master = Annotated[MasterKey, Depends(app_master_key)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
