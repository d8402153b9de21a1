"""Changing a registered client: a new secret ends the old one; new URIs are checked as at
registration."""

from __future__ import annotations

from dataclasses import replace

import pytest
from joserfc.jwk import ECKey

from idp.clients.service import (
    RegisteredClient,
    find_client,
    rotate_client_secret,
    update_client_uris,
)
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


def test_a_clients_keys_are_imported_once_and_new_keys_are_used_at_once():
    first, second = (ECKey.generate_key("P-256", parameters={"kid": k}) for k in ("a", "b"))
    client = RegisteredClient(
        client_id="keys-test",
        name="Keys",
        secret_digest=None,
        token_endpoint_auth_method="private_key_jwt",
        redirect_uris=(),
        post_logout_redirect_uris=(),
        grant_types=("client_credentials",),
        scope="",
        first_party=False,
        jwks={"keys": [first.as_dict(private=False)]},
        id_token_signed_response_alg=None,
        backchannel_logout_uri=None,
    )
    keys = client.public_keys()
    assert [k.kid for k in keys] == ["a"]
    reloaded = replace(client, jwks={"keys": [first.as_dict(private=False)]})  # a new row read
    assert reloaded.public_keys() is keys
    rotated = replace(client, jwks={"keys": [second.as_dict(private=False)]})
    assert [k.kid for k in rotated.public_keys()] == ["b"]
