"""Changing a registered client: a new secret ends the old one; new URIs are checked as at
registration."""

from __future__ import annotations

import pytest

from idp.clients.service import find_client, rotate_client_secret, update_client_uris
from idp.errors import InvalidInput
from tests.factories.idp import make_client, transaction


def test_a_new_secret_replaces_the_old_one(components):
    client, old = make_client(components)
    with transaction(components) as db:
        new = rotate_client_secret(db, client.client_id)
        stored = find_client(db, client.client_id)
    assert stored is not None
    assert stored.check_client_secret(new)
    assert not stored.check_client_secret(old or "")


def test_a_public_client_has_no_secret_to_rotate(components):
    client, _ = make_client(components, auth_method="none")
    with transaction(components) as db, pytest.raises(InvalidInput) as refused:
        rotate_client_secret(db, client.client_id)
    assert refused.value.field == "client_id"


def test_new_uris_replace_the_old_ones_exactly(components):
    client, _ = make_client(components)
    with transaction(components) as db:
        changed = update_client_uris(
            db,
            client.client_id,
            redirect_uris=["http://127.0.0.1:8101/callback"],
            post_logout_redirect_uris=["http://127.0.0.1:8101/signed-out"],
            backchannel_logout_uri="http://127.0.0.1:8101/backchannel-logout",
            events_uri=None,
        )
    assert changed.redirect_uris == ("http://127.0.0.1:8101/callback",)
    assert changed.backchannel_logout_uri == "http://127.0.0.1:8101/backchannel-logout"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"redirect_uris": ["http://portal.example/callback"]}, "redirect_uri"),
        ({"redirect_uris": []}, "redirect_uri"),
        ({"events_uri": "http://portal.example/events"}, "events_uri"),
    ],
)
def test_uris_that_registration_would_refuse_are_refused_naming_the_field(
    components, change, field
):
    client, _ = make_client(components)
    values = {
        "redirect_uris": ["https://portal.example/callback"],
        "post_logout_redirect_uris": [],
        "backchannel_logout_uri": None,
        "events_uri": None,
    } | change
    with transaction(components) as db, pytest.raises(InvalidInput) as refused:
        update_client_uris(db, client.client_id, **values)
    assert refused.value.field == field
