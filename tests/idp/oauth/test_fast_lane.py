"""The machine endpoints' fast lane (`idp.oauth.fast_lane`) and the liveness it reads
(`idp.oauth.liveness`): the same answers as the routes, without the database, and never an
answer a revocation has made wrong."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from adapters import StoreUnavailable
from idp.app import create_app
from idp.bootstrap import build_components
from idp.oauth.liveness import (
    GENERATION_KEY,
    READ_PAUSE_SECONDS,
    RevocationGeneration,
    TokenLiveness,
)
from idp.oauth.models import Grant
from idp.oauth.tokens import revoke_grant
from tests.factories.idp import make_client, statements, transaction

SERVICE_SCOPE = "applications:write delegations:read"
BASE = "https://testserver"
VOLATILE_HEADERS = {"date", "x-request-id", "content-length"}


def _service_client(components):
    return make_client(
        components, grant_types=["client_credentials"], redirect_uris=[], scope=SERVICE_SCOPE
    )


def _token(portal, client, secret, **form):
    return portal.post(
        "/token",
        data={"grant_type": "client_credentials", **form},
        auth=(client.client_id, secret),
    )


def _introspect(portal, client, secret, token, **form):
    return portal.post(
        "/introspect", data={"token": token, **form}, auth=(client.client_id, secret)
    )


def _stable(headers) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in VOLATILE_HEADERS}


def test_a_remembered_client_gets_its_token_without_the_database(components, portal):
    client, secret = _service_client(components)
    _token(portal, client, secret)  # the route writes the client's service grant
    with statements(components) as read:
        first = _token(portal, client, secret)  # the route reads it back and remembers it
    with statements(components) as sent:
        second = _token(portal, client, secret)
    assert read
    assert sent == []
    assert second.status_code == first.status_code == 200
    assert _stable(second.headers) == _stable(first.headers)
    assert second.json().keys() == first.json().keys()
    assert second.json()["scope"] == first.json()["scope"] == "applications:write delegations:read"
    assert second.json()["access_token"] != first.json()["access_token"]
    for body in (first.json(), second.json()):
        answer = _introspect(portal, client, secret, body["access_token"]).json()
        assert answer["active"] is True
        assert answer["sub"] == client.client_id


def test_a_token_read_alive_introspects_without_the_database(components, portal):
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    with statements(components) as read:
        first = _introspect(portal, client, secret, token)  # the route reads the grant
    with statements(components) as sent:
        second = _introspect(portal, client, secret, token)
        hinted = _introspect(portal, client, secret, token, token_type_hint="access_token")
    assert read
    assert sent == []
    assert second.json() == hinted.json() == first.json()
    assert list(second.json()) == list(first.json())  # same members, same order
    assert first.json()["active"] is True
    assert _stable(second.headers) == _stable(first.headers)


def test_client_secret_post_is_answered_from_memory_too(components, portal):
    client, secret = make_client(
        components,
        grant_types=["client_credentials"],
        redirect_uris=[],
        scope=SERVICE_SCOPE,
        auth_method="client_secret_post",
    )
    posted = {"client_id": client.client_id, "client_secret": secret}

    def token():
        return portal.post("/token", data={"grant_type": "client_credentials", **posted})

    def introspect(value):
        return portal.post("/introspect", data={"token": value, **posted})

    token(), token()  # the route writes the service grant, then reads it back
    with statements(components) as sent:
        issued = token()
    assert sent == []
    assert issued.status_code == 200
    value = issued.json()["access_token"]
    first = introspect(value)
    with statements(components) as sent:
        again = introspect(value)
    assert sent == []
    assert again.json() == first.json()
    assert again.json()["active"] is True
    # Basic credentials for a client_secret_post client: the route refuses them.
    refused = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert refused.status_code == 401
    # A wrong posted secret: the route refuses it too.
    wrong = {**posted, "client_secret": "not-the-secret"}
    refused = portal.post("/token", data={"grant_type": "client_credentials", **wrong})
    assert refused.status_code == 401


def test_revoking_a_token_is_seen_by_the_very_next_introspection(components, portal):
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    for _ in range(2):
        assert _introspect(portal, client, secret, token).json()["active"] is True
    revoked = portal.post("/revoke", data={"token": token}, auth=(client.client_id, secret))
    assert revoked.status_code == 200
    assert _introspect(portal, client, secret, token).json() == {"active": False}


def test_a_grant_revoked_by_any_unit_of_work_is_seen_at_once(components, portal):
    """The console, the CLI and the dispatcher revoke through their own units of work."""
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    for _ in range(2):
        assert _introspect(portal, client, secret, token).json()["active"] is True
    with transaction(components) as db:
        grant_id = db.scalar(select(Grant.id).where(Grant.client_id == client.client_id))
        assert revoke_grant(db, grant_id, "test", components.clock.now())
    assert _introspect(portal, client, secret, token).json() == {"active": False}


def test_a_bulk_update_is_seen_at_once_too(components, portal):
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    for _ in range(2):
        assert _introspect(portal, client, secret, token).json()["active"] is True
    with transaction(components) as db:
        db.execute(
            update(Grant)
            .where(Grant.client_id == client.client_id)
            .values(revoked_at=components.clock.now(), revoked_reason="test")
        )
    assert _introspect(portal, client, secret, token).json() == {"active": False}


def test_a_revocation_on_one_instance_is_seen_by_another(settings, components, store, clock):
    """Two instances on one database and one store (Redis on the real backend)."""
    other = build_components(settings, clock=clock, store=store)
    try:
        with (
            TestClient(
                create_app(settings, components=components), base_url="https://testserver"
            ) as a,
            TestClient(create_app(settings, components=other), base_url="https://testserver") as b,
        ):
            client, secret = _service_client(components)
            token = _token(a, client, secret).json()["access_token"]
            for _ in range(2):  # b reads it alive, then answers from memory
                assert _introspect(b, client, secret, token).json()["active"] is True
            assert a.post("/revoke", data={"token": token}, auth=(client.client_id, secret))
            assert _introspect(b, client, secret, token).json() == {"active": False}
    finally:
        other.engine.dispose()


@pytest.mark.parametrize(
    ("form", "auth_header", "status", "error"),
    [
        ({"grant_type": "client_credentials", "scope": "openid"}, None, 400, "invalid_scope"),
        ({"grant_type": "client_credentials", "scope": "nope"}, None, 400, "invalid_scope"),
        ({"grant_type": "client_credentials"}, "wrong-secret", 401, "invalid_client"),
        ({"grant_type": "password"}, None, 400, "unsupported_grant_type"),
        ({"scope": "applications:write"}, None, 400, "invalid_request"),
    ],
)
def test_anything_else_goes_to_the_route_and_its_errors(
    components, portal, form, auth_header, status, error
):
    client, secret = _service_client(components)
    assert _token(portal, client, secret).status_code == 200  # everything remembered
    response = portal.post("/token", data=form, auth=(client.client_id, auth_header or secret))
    assert response.status_code == status, response.text
    if error:
        assert response.json()["error"] == error


def test_a_repeated_parameter_is_refused_by_the_route(components, portal):
    client, secret = _service_client(components)
    assert _token(portal, client, secret).status_code == 200
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    response = portal.post(
        "/token",
        content=b"grant_type=client_credentials&grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 400
    assert "more than once" in response.json()["error_description"]


def test_a_large_body_reaches_the_route_intact(components, portal):
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    _introspect(portal, client, secret, token)
    padding = {"pad_a": "x" * 3000, "pad_b": "y" * 3000}  # over the lane's 4 KiB
    padded = portal.post(
        "/introspect", data={**padding, "token": token}, auth=(client.client_id, secret)
    )
    assert padded.json()["active"] is True  # the route read the token after the padding


def test_a_refresh_token_hint_and_an_unknown_token_go_to_the_route(components, portal):
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    _introspect(portal, client, secret, token)
    with statements(components) as sent:
        answer = _introspect(portal, client, secret, token, token_type_hint="refresh_token")
    assert answer.json()["active"] is True
    assert sent  # the route looked for a refresh token first
    assert _introspect(portal, client, secret, "a.b.c").json() == {"active": False}


def test_another_clients_token_is_inactive_for_it(components, portal):
    client, secret = _service_client(components)
    other, other_secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    _introspect(portal, client, secret, token)
    _introspect(portal, other, other_secret, "warm.the.client")
    assert _introspect(portal, other, other_secret, token).json() == {"active": False}


def test_an_expired_token_is_inactive(components, portal, clock):
    client, secret = _service_client(components)
    token = _token(portal, client, secret).json()["access_token"]
    _introspect(portal, client, secret, token)
    clock.advance(components.settings.access_token_ttl_seconds + 1)
    assert _introspect(portal, client, secret, token).json() == {"active": False}


# The liveness memory on its own ---------------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_counts_only_at_its_generation_and_for_a_short_while(components):
    ticks = Ticks()
    liveness = TokenLiveness(RevocationGeneration(components.store), 2.0, ticks)
    client, _ = _service_client(components)
    with transaction(components) as db:
        grant = components.oauth_server.service_grants.for_client(
            db, client.client_id, components.clock.now()
        )
    with components.session_factory() as db:
        generation = liveness.generation.current()
        assert liveness.is_alive(db, grant.id, "jti-1")
    assert liveness.remembered_alive(grant.id, "jti-1", generation)
    assert not liveness.remembered_alive(grant.id, "jti-2", generation)
    assert not liveness.remembered_alive(grant.id, "jti-1", None)
    ticks.now = 2.0
    assert not liveness.remembered_alive(grant.id, "jti-1", generation)


def test_only_a_committed_write_moves_the_generation(components):
    store = components.store

    def generation() -> bytes:
        return store.get(GENERATION_KEY) or b"0"

    client, _ = _service_client(components)
    before = generation()
    with transaction(components) as db:
        db.scalar(select(Grant.id).where(Grant.client_id == client.client_id))
    assert generation() == before  # a read
    with components.session_factory() as db, db.begin():
        db.execute(update(Grant).where(Grant.client_id == "nobody").values(revoked_reason="x"))
        db.rollback()
    assert generation() == before  # a rolled-back write
    with transaction(components) as db:
        db.execute(update(Grant).where(Grant.client_id == "nobody").values(revoked_reason="x"))
    assert generation() != before


class SilentStore:
    """A store that does not answer (an outage), counting how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def get(self, _key):
        self.asked += 1
        raise StoreUnavailable("Redis did not answer GET")

    def incr(self, _key, _ttl_seconds):
        self.asked += 1
        raise StoreUnavailable("Redis did not answer INCR")


def test_an_unreadable_generation_costs_one_timeout_then_reads_the_database():
    ticks = Ticks()
    store = SilentStore()
    generation = RevocationGeneration(store, None, ticks)
    assert generation.current() is None
    assert generation.current() is None
    assert store.asked == 1  # the second read did not wait on the store
    assert generation.bump() is False  # a bump is always tried
    assert store.asked == 2
    ticks.now = READ_PAUSE_SECONDS
    assert generation.current() is None
    assert store.asked == 3  # tried again after the pause
