"""Outbox delivery: tokens signed when sent, at least once with a stable `jti`, in order per
destination and in parallel across destinations, failures and dead letters logged
(issue 10 must-show 6)."""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qs

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from idp.delegation.events import SECURITY_EVENT_TOKEN
from idp.oidc.backchannel import LOGOUT_TOKEN
from idp.outbox.delivery import DELIVERY_DEADLINE_SECONDS, LEASE_SECONDS, MAX_ATTEMPTS
from idp.outbox.dispatcher import OutboxDispatcher
from idp.outbox.models import OutboxMessage
from idp.outbox.service import dead_letters, enqueue_token, replay
from keys import public_jwks
from tests.factories.idp import transaction
from tests.receiver import receiver

HOUR = 3600


def queue(components, url: str, n: int, *, logout: bool = False) -> None:
    envelope = LOGOUT_TOKEN if logout else SECURITY_EVENT_TOKEN
    with transaction(components) as db:
        enqueue_token(
            db,
            kind="backchannel_logout" if logout else "security_event",
            url=url,
            claims={"iss": "https://testserver", "aud": "portal", "n": n},
            alg="RS256" if logout else "ES256",
            envelope=envelope,
            now=components.clock.now(),
        )


def claims_of(components, body: bytes) -> dict:
    text = body.decode()
    if text.startswith("logout_token="):
        text = parse_qs(text)["logout_token"][0]
    with transaction(components) as db:
        keys = KeySet.import_key_set(public_jwks(db, components.clock.now()))
    return dict(jwt.decode(text, keys).claims)


def test_a_portal_down_for_an_hour_gets_everything_after_in_order_once_per_event(
    components, app, clock
):
    outbox = app.state.outbox
    with receiver() as (down_url, down), receiver() as (up_url, up):
        down.status = 503
        for n in range(5):
            queue(components, f"{down_url}/bcl", n, logout=True)
            queue(components, f"{up_url}/events", n)
        came_back_at = clock.now().timestamp() + HOUR
        for _ in range(60):  # an hour down, a pass a minute
            outbox.deliver_now()
            clock.advance(60)
        assert [claims_of(components, b)["n"] for b in up.accepted()] == [0, 1, 2, 3, 4]
        tried_while_down = {claims_of(components, body)["n"] for _, _, body in down.answered}
        down.status = 200
        for _ in range(120):
            if len(down.accepted()) == 5:
                break
            outbox.deliver_now()
            clock.advance(60)
    assert tried_while_down == {0}  # only the head was tried: the others wait behind it
    delivered = [claims_of(components, body) for body in down.accepted()]
    assert [c["n"] for c in delivered] == [0, 1, 2, 3, 4]
    assert len({c["jti"] for c in delivered}) == 5
    for token in delivered:  # signed when sent: valid on arrival, an hour late
        assert token["iat"] >= came_back_at
        assert token["exp"] == token["iat"] + 120


def test_every_attempt_of_one_event_carries_the_same_jti(components, app, clock):
    with receiver() as (url, portal):
        portal.status = 500
        queue(components, f"{url}/events", 0)
        for _ in range(3):
            app.state.outbox.deliver_now()
            clock.advance(HOUR)
    jtis = {claims_of(components, body)["jti"] for _, _, body in portal.answered}
    assert len(portal.answered) == 3
    assert len(jtis) == 1


def test_a_slow_portal_does_not_delay_the_others(components, app):
    with receiver() as (slow_url, slow), receiver() as (fast_url, fast):
        slow.delay_seconds = 1.5
        queue(components, f"{slow_url}/events", 0)
        for n in range(3):
            queue(components, f"{fast_url}/events", n)
        assert app.state.outbox.deliver_now() == 4
    slow_arrival = slow.answered[0][0]
    assert len(fast.answered) == 3
    assert max(arrival for arrival, _, _ in fast.answered) < slow_arrival + 1.0


@pytest.mark.parametrize("trickled", ["status", "body"])
def test_a_portal_trickling_its_answer_is_cut_off_at_the_deadline_well_before_the_lease(
    components, clock, trickled
):
    """httpx's timeout is per read: a byte every 0.2 s never trips it, the deadline does."""
    outbox = OutboxDispatcher(
        components.session_factory,
        components.clock,
        components.keyring,
        poll_seconds=1,
        deadline_seconds=1.0,
    )
    with receiver() as (url, portal):
        portal.trickle_seconds, portal.trickle_from = 0.2, trickled  # ~40 bytes: ~8 s
        queue(components, f"{url}/events", 0)
        started = time.monotonic()
        assert outbox.deliver_now() == 0
        took = time.monotonic() - started
    outbox.stop()
    assert took < 2.5
    with transaction(components) as db:
        (message,) = db.scalars(select(OutboxMessage)).all()
        assert message.delivered_at is None
        assert message.leased_until is None  # free for the next attempt after its backoff
        assert message.last_error.startswith("ReadTimeout")
    assert DELIVERY_DEADLINE_SECONDS * 2 <= LEASE_SECONDS


def test_failed_attempts_and_the_dead_letter_are_logged_then_replayed(
    components, app, clock, caplog
):
    caplog.set_level(logging.WARNING, logger="idp.outbox")
    with receiver() as (url, portal):
        portal.status = 503
        queue(components, f"{url}/events", 0)
        for _ in range(MAX_ATTEMPTS):
            app.state.outbox.deliver_now()
            clock.advance(HOUR)
        failures = [r for r in caplog.records if r.levelno == logging.WARNING]
        (dead,) = [r for r in caplog.records if r.levelno == logging.ERROR]
        with transaction(components) as db:
            (letter,) = dead_letters(db)
            replay(db, letter.id, clock.now())
        portal.status = 200
        assert app.state.outbox.deliver_now() == 1
    assert len(failures) == MAX_ATTEMPTS - 1
    assert all(r.destination == url and r.reason == "HTTP 503" for r in failures)
    assert dead.getMessage().startswith("outbox dead letter: security_event to " + url)
    jtis = {claims_of(components, body)["jti"] for _, _, body in portal.answered}
    assert jtis == {letter.event_id}


def test_two_dispatchers_at_once_send_each_message_once_in_order(components, app):
    other = OutboxDispatcher(
        components.session_factory, components.clock, components.keyring, poll_seconds=1
    )
    with receiver() as (a_url, a), receiver() as (b_url, b):
        for n in range(8):
            queue(components, f"{a_url}/events", n)
            queue(components, f"{b_url}/events", n)
        barrier = threading.Barrier(2)

        def run(dispatcher) -> None:
            barrier.wait()
            while dispatcher.deliver_now():
                pass

        threads = [threading.Thread(target=run, args=(d,)) for d in (app.state.outbox, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        app.state.outbox.deliver_now()
    other.stop()
    for portal in (a, b):
        assert [claims_of(components, body)["n"] for body in portal.accepted()] == list(range(8))


def test_a_database_outage_is_one_warning_and_one_line_when_it_ends(components, caplog):
    """Not an ERROR with a traceback at every poll while the database does not answer."""
    answering = threading.Event()

    def factory():
        if not answering.is_set():
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))
        return components.session_factory()

    dispatcher = OutboxDispatcher(factory, components.clock, components.keyring, poll_seconds=1)
    caplog.set_level(logging.INFO, logger="idp.outbox")
    try:
        for _ in range(5):
            dispatcher._pass()
        answering.set()
        dispatcher._pass()
        dispatcher._pass()
    finally:
        dispatcher.stop()
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert lines == [
        (logging.WARNING, "outbox waits: the database does not answer (connection refused)"),
        (logging.WARNING, "outbox resumes: the database answers again"),
    ]
    assert not any(r.exc_info for r in caplog.records)
