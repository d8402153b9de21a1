"""Two tabs consenting to one portal at once: both succeed and the scopes merge. (Found by
`bench/signin.py`-style load: the second first-time consent failed on the primary key and
the person saw the error page.)"""

from __future__ import annotations

from idp.oauth.consents import has_consent, record_consent
from tests.concurrency import run_overlapping
from tests.factories.idp import make_account, make_client, transaction


def test_a_first_consent_given_while_another_is_being_given_is_merged(components):
    account = make_account(components)
    client, _ = make_client(components)
    now = components.clock.now()

    def consent(n, written) -> None:
        with transaction(components) as db:
            scope = ("openid profile", "openid email")[n]
            record_consent(db, account.id, client.client_id, scope, now)
            db.flush()
            written()

    assert run_overlapping(consent) == [None, None]
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
