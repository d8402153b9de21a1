"""Two authorizations at once on one browser session, for two portals, both end up in the
session's portal list, so both portals get the logout (issue 10 must-show 7). PostgreSQL
only: it is where two requests really write the row at the same time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from idp.authn.models import BrowserSessionRow
from idp.authn.sessions import SessionPolicy, add_client, start_session
from idp.db import unit_of_work
from tests.factories.idp import make_account, make_client, transaction
from tests.idp.flows import authorization_request, authorize_code, follow_to_redirect_uri

ROUNDS = 8


@pytest.fixture
def on_postgresql(backend):
    if not backend.is_real:
        pytest.skip("SQLite has one writer at a time: the race needs PostgreSQL")


def _session(components) -> str:
    account = make_account(components)
    with transaction(components) as db:
        _, session = start_session(
            db,
            SessionPolicy(3600),
            account_id=account.id,
            amr=["pwd"],
            acr="loa:1",
            now=components.clock.now(),
        )
    return session.sid


def _portals(components, sid: str) -> list[str]:
    with transaction(components) as db:
        return list(db.get_one(BrowserSessionRow, sid).client_ids)


def test_a_portal_added_while_another_is_being_added_is_not_lost(components, on_postgresql):
    sid = _session(components)
    first_added, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with unit_of_work(components.session_factory) as db:
            add_client(db, sid, "portal-a")
            first_added.set()
            second_started.wait(10)
            threading.Event().wait(0.5)  # the second one is now waiting for this row

    def second() -> None:
        first_added.wait(10)
        second_started.set()
        with unit_of_work(components.session_factory) as db:
            add_client(db, sid, "portal-b")

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(first), pool.submit(second)]:
            done.result(timeout=30)
    assert sorted(_portals(components, sid)) == ["portal-a", "portal-b"]


def test_two_authorizations_at_once_on_one_session_both_join_it(components, browser, on_postgresql):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    sid = next(iter(_sessions_of(components, account.id)))
    for _ in range(ROUNDS):
        portals = [make_client(components, first_party=True)[0] for _ in range(2)]
        barrier = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            statuses = list(pool.map(_authorize, [browser] * 2, portals, [barrier] * 2))
        assert set(statuses) <= {302, 303}, statuses
        joined = set(_portals(components, sid))
        assert {p.client_id for p in portals} <= joined


def _authorize(browser, portal, barrier: threading.Barrier) -> int:
    request = authorization_request(portal.client_id)
    barrier.wait(10)
    return follow_to_redirect_uri(browser, browser.get("/authorize?" + request.query)).status_code


def _sessions_of(components, account_id: str) -> list[str]:
    with transaction(components) as db:
        rows = db.query(BrowserSessionRow).filter_by(account_id=account_id).all()
        return [row.sid for row in rows]
