"""`private_key_jwt` (RFC 7523) in the machine endpoints' fast lane: a remembered client's
assertion is answered without the database; its `jti` is remembered in the shared store
(Redis on the real backend) only once answered, so a replay is refused and a request the
lane hands to the route finds it unused."""

from __future__ import annotations

import dataclasses
import secrets

import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import ECKey

from adapters import StoreUnavailable
from idp.app import create_app
from tests.factories.idp import client_assertion, make_client, statements

TOKEN_URL = "https://testserver/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SERVICE_SCOPE = "applications:write delegations:read"


def _jwt_client(components):
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    client, _ = make_client(
        components,
        grant_types=["client_credentials"],
        redirect_uris=[],
        scope=SERVICE_SCOPE,
        auth_method="private_key_jwt",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    return client, key


def _assertion(key, client_id, *, audience=TOKEN_URL, **claims):
    return client_assertion(key, client_id, audience, **claims)


def _token(portal, assertion, **form):
    data = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **form,
    }
    return portal.post("/token", data=data)


def _remembered(components, portal):
    """A private_key_jwt client whose client, service grant and key the lane remembers."""
    client, key = _jwt_client(components)
    for _ in range(2):  # the route writes the service grant, then reads it back
        assert _token(portal, _assertion(key, client.client_id)).status_code == 200
    return client, key


def test_a_remembered_client_is_answered_on_the_event_loop(components, portal, hops):
    client, key = _remembered(components, portal)
    hops.clear()
    with statements(components) as sent:
        answered = _token(portal, _assertion(key, client.client_id))
        named = _token(portal, _assertion(key, client.client_id), client_id=client.client_id)
    assert hops == []  # no thread: the lane answered
    assert sent == []
    assert answered.status_code == named.status_code == 200
    assert answered.json()["scope"] == SERVICE_SCOPE
    assert answered.headers["cache-control"] == "no-store"
    token = answered.json()["access_token"]
    introspected = portal.post(
        "/introspect",
        data={
            "token": token,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": _assertion(key, client.client_id),
        },
    ).json()
    assert introspected["active"] is True
    assert introspected["sub"] == client.client_id


def test_an_assertion_answered_from_memory_cannot_be_replayed(components, portal, hops):
    client, key = _remembered(components, portal)
    jti = secrets.token_urlsafe(12)
    assertion = _assertion(key, client.client_id, jti=jti)
    hops.clear()
    assert _token(portal, assertion).status_code == 200
    assert hops == []
    assert components.store.get(f"client-assertion:{client.client_id}:{jti}") is not None
    replay = _token(portal, assertion)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "claims",
    [
        {"audience": "https://elsewhere.example/token"},
        {"lifetime": -120},  # expired
        {"lifetime": 3600},  # would outlive the memory of its jti
        {"jti": "x" * 300},
        {"iss": "someone-else"},
    ],
)
def test_a_refused_assertion_gets_the_routes_error(components, portal, claims):
    client, key = _remembered(components, portal)
    response = _token(portal, _assertion(key, client.client_id, **claims))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_an_assertion_signed_by_another_key_is_refused(components, portal):
    client, _key = _remembered(components, portal)
    stranger = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    response = _token(portal, _assertion(stranger, client.client_id))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_request_handed_to_the_route_finds_its_jti_unused(components, portal, hops):
    """The lane takes a scope it does not know to the route: had it remembered the `jti`
    first, the route would refuse the assertion as replayed instead of naming the scope."""
    client, key = _remembered(components, portal)
    hops.clear()
    response = _token(portal, _assertion(key, client.client_id), scope="nope")
    assert hops  # the route answered
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


class _SilentStore:
    """An event-loop store that never answers, counting what it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    async def get(self, *_: object) -> bytes | None:
        self.asked += 1
        raise StoreUnavailable("not answering")

    async def add(self, *_: object) -> bool:
        self.asked += 1
        raise StoreUnavailable("not answering")

    async def aclose(self) -> None:
        """Nothing to close."""


def test_a_store_not_answering_on_the_loop_sends_the_request_to_the_route(settings, components):
    store = _SilentStore()
    silent = dataclasses.replace(components, async_store=store)
    with TestClient(create_app(settings, components=silent), base_url="https://testserver") as a:
        client, key = _remembered(components, a)
        assertion = _assertion(key, client.client_id)
        asked = store.asked
        assert _token(a, assertion).status_code == 200  # the route, on the working store
        assert store.asked == asked + 1  # the lane tried to remember the jti first
        assert _token(a, assertion).status_code == 401  # the route remembered it
