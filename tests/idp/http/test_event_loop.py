"""Nothing blocks the event loop: with the store and the database frozen (fakes that block
until released), discovery and the JWKS still answer within 100 ms, and so do a portal's
own token and its introspection from the fast lane's memory, while requests that need
the frozen parts wait in the thread pool."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import create_engine

from adapters import MemoryStore
from idp.app import create_app
from idp.bootstrap import build_components
from idp.clients.service import create_client
from idp.db import create_db_engine, create_session_factory, unit_of_work
from idp.oidc.jwks import PublishedKeys

FROZEN_REQUESTS = 48  # more than the thread pool (40): every worker thread is stuck
BUDGET_SECONDS = 0.1


class FrozenStore(MemoryStore):
    """The in-process store, but every call waits until `thaw` (as a SIGSTOPped Redis)."""

    def __init__(self, thaw: threading.Event) -> None:
        super().__init__()
        self._thaw = thaw

    def get(self, key: str) -> bytes | None:
        self._thaw.wait(30)
        return super().get(key)

    def incr(self, key: str, ttl_seconds: int) -> int:
        self._thaw.wait(30)
        return super().incr(key, ttl_seconds)


def frozen_database(thaw: threading.Event, url: str):
    """An engine whose every new connection waits until `thaw` (as a frozen PostgreSQL)."""
    path = url.removeprefix("sqlite:///")

    def connect() -> sqlite3.Connection:
        thaw.wait(30)
        return sqlite3.connect(path, check_same_thread=False)

    return create_engine("sqlite://", creator=connect)


@pytest.fixture
def frozen_app(settings, clock, backend):
    if backend.is_real:
        pytest.skip("the fakes stand for both servers; one backend is enough")
    thaw = threading.Event()
    components = build_components(settings, clock=clock, store=MemoryStore())
    engine = frozen_database(thaw, settings.resolved_database_url)
    factory = create_session_factory(engine)
    jwks = PublishedKeys(factory, clock, refresh_seconds=0.0)  # always stale: refresh blocks
    jwks._body = components.jwks.current()  # what was read at start
    frozen = replace(
        components, store=FrozenStore(thaw), session_factory=factory, engine=engine, jwks=jwks
    )
    yield create_app(settings, components=frozen), thaw
    thaw.set()
    components.engine.dispose()
    engine.dispose()


async def _timed_get(client: httpx.AsyncClient, path: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await client.get(path)
    return time.perf_counter() - started, response


def test_discovery_and_jwks_answer_while_the_store_and_database_are_frozen(frozen_app):
    app, thaw = frozen_app

    async def scenario() -> list[tuple[float, httpx.Response]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            stuck = [
                asyncio.create_task(client.get("/login?interaction=x"))
                for _ in range(FROZEN_REQUESTS)
            ]
            await asyncio.sleep(0.3)  # they are now waiting on the frozen parts
            assert not any(task.done() for task in stuck)
            answers = [
                await _timed_get(client, path)
                for path in ("/.well-known/openid-configuration", "/jwks") * 5
            ]
            thaw.set()
            done = await asyncio.gather(*stuck)
            assert all(r.status_code == 200 for r in done)  # and they finish once thawed
            return answers

    # A loop of its own in a thread of its own: a browser test earlier in this worker may
    # have left a running loop on the main thread (Playwright's sync API keeps one).
    with ThreadPoolExecutor(max_workers=1) as pool:
        answers = pool.submit(asyncio.run, scenario()).result()
    assert all(response.status_code == 200 for _, response in answers)
    assert all(response.json() for _, response in answers)
    slowest = max(elapsed for elapsed, _ in answers)
    assert slowest < BUDGET_SECONDS, f"slowest answer took {slowest * 1000:.0f} ms"


def test_a_portals_own_token_and_its_introspection_answer_from_memory_meanwhile(
    frozen_app, settings
):
    """The machine endpoints' fast lane needs neither the database nor a blocking store
    once the client, its service grant, the key and the token's liveness are known."""
    app, thaw = frozen_app
    components = app.state.components
    server = components.oauth_server
    engine = create_db_engine(settings.resolved_database_url)  # the database, not frozen
    unfrozen = create_session_factory(engine)
    client, secret, grant = _remembered_service_client(components, unfrozen)
    auth = (client.client_id, secret)

    async def scenario() -> list[tuple[float, httpx.Response]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            stuck = [
                asyncio.create_task(http.get("/login?interaction=x"))
                for _ in range(FROZEN_REQUESTS)
            ]
            await asyncio.sleep(0.3)
            assert not any(task.done() for task in stuck)
            started = time.perf_counter()
            issued = await http.post("/token", data={"grant_type": "client_credentials"}, auth=auth)
            answers = [(time.perf_counter() - started, issued)]
            token = issued.json()["access_token"]
            gid, jti = grant.id, jwt_claims(token)["jti"]
            with unit_of_work(unfrozen) as db:
                assert server.liveness.is_alive(db, gid, jti)  # read once, as the route does
            for _ in range(5):
                started = time.perf_counter()
                answer = await http.post("/introspect", data={"token": token}, auth=auth)
                answers.append((time.perf_counter() - started, answer))
            thaw.set()
            await asyncio.gather(*stuck)
            return answers

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            answers = pool.submit(asyncio.run, scenario()).result()
    finally:
        engine.dispose()
    assert all(response.status_code == 200 for _, response in answers)
    assert all(response.json()["active"] is True for _, response in answers[1:])
    slowest = max(elapsed for elapsed, _ in answers)
    assert slowest < BUDGET_SECONDS, f"slowest answer took {slowest * 1000:.0f} ms"


def _remembered_service_client(components, unfrozen):
    """A client_credentials client, its service grant and the keys, read as the routes
    would have read them before the freeze (so the fast lane remembers them)."""
    server, now = components.oauth_server, components.clock.now()
    with unit_of_work(unfrozen) as db:
        client, secret = create_client(
            db,
            now=now,
            name="Service",
            redirect_uris=[],
            post_logout_redirect_uris=[],
            grant_types=["client_credentials"],
            scope="applications:write",
        )
    with unit_of_work(unfrozen) as db:
        server.clients.find(db, client.client_id)
        grant = server.service_grants.for_client(db, client.client_id, now)  # written
    with unit_of_work(unfrozen) as db:
        server.service_grants.for_client(db, client.client_id, now)  # read back, remembered
        server.keyring.signing_key(db, components.settings.access_token_alg)
        server.keyring.verification_keys(db, now)
    return client, secret, grant


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
