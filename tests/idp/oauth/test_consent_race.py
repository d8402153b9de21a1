"""Two tabs consenting to one portal at once: both succeed and the scopes merge. (Found by
`bench/signin.py`-style load: the second first-time consent failed on the primary key and
the person saw the error page.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from idp.db import unit_of_work
from idp.oauth.consents import has_consent, record_consent
from tests.factories.idp import make_account, make_client, transaction


def test_a_first_consent_given_while_another_is_being_given_is_merged(components):
    account = make_account(components)
    client, _ = make_client(components)
    now = components.clock.now()
    first_written, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with unit_of_work(components.session_factory) as db:
            record_consent(db, account.id, client.client_id, "openid profile", now)
            db.flush()
            first_written.set()
            second_started.wait(10)
            threading.Event().wait(0.5)  # the second one now waits for this row

    def second() -> None:
        first_written.wait(10)
        second_started.set()
        with unit_of_work(components.session_factory) as db:
            record_consent(db, account.id, client.client_id, "openid email", now)

    with ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(first), pool.submit(second)]:
            done.result(timeout=30)
    with transaction(components) as db:
        assert has_consent(db, account.id, client.client_id, "openid profile email")


def test_consent_again_merges_with_what_was_approved(components):
    account = make_account(components)
    client, _ = make_client(components)
    now = components.clock.now()
    for scope in ("openid", "openid email"):
        with transaction(components) as db:
            record_consent(db, account.id, client.client_id, scope, now)
    with transaction(components) as db:
        assert has_consent(db, account.id, client.client_id, "openid email")
        assert not has_consent(db, account.id, client.client_id, "openid phone")
