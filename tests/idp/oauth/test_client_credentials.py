"""Client credentials (RFC 6749 section 4.4) and private_key_jwt (RFC 7523)."""

from __future__ import annotations

from joserfc.jwk import ECKey
from sqlalchemy import func, select

from idp.oauth.client_credentials import SERVICE_GRANT_RECHECK_SECONDS, ServiceGrants
from idp.oauth.models import Grant
from idp.oauth.tokens import revoke_grant
from tests.factories.idp import client_assertion, make_client, transaction


def _service_client(components, **fields):
    return make_client(
        components, grant_types=["client_credentials"], redirect_uris=[], scope="openid", **fields
    )


def test_client_credentials_token_has_the_client_as_subject(components, portal):
    client, secret = _service_client(components)
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert "id_token" not in body
    introspected = portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    ).json()
    assert introspected["active"] is True
    assert introspected["sub"] == client.client_id


def test_client_not_registered_for_client_credentials_is_unauthorized_client(components, portal):
    client, secret = make_client(components)
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_unknown_grant_type_is_unsupported_grant_type(components, portal):
    client, secret = _service_client(components)
    response = portal.post(
        "/token", data={"grant_type": "password"}, auth=(client.client_id, secret)
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_missing_grant_type_is_invalid_request(components, portal):
    client, secret = _service_client(components)
    response = portal.post("/token", data={"scope": "openid"}, auth=(client.client_id, secret))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"] == "missing 'grant_type'"


def test_unknown_client_is_401_invalid_client(portal):
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=("nobody", "nothing")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert "www-authenticate" in response.headers


def _jwt_client(components):
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    client, secret = _service_client(
        components, auth_method="private_key_jwt", jwks={"keys": [key.as_dict(private=False)]}
    )
    assert secret is None
    return client, key


def _with_assertion(assertion):
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }


def test_private_key_jwt_authenticates_the_client(components, portal):
    client, key = _jwt_client(components)
    assertion = client_assertion(key, client.client_id, "https://testserver/token")
    response = portal.post("/token", data=_with_assertion(assertion))
    assert response.status_code == 200, response.text


def test_replayed_client_assertion_is_refused(components, portal):
    client, key = _jwt_client(components)
    assertion = client_assertion(key, client.client_id, "https://testserver/token")
    assert portal.post("/token", data=_with_assertion(assertion)).status_code == 200
    replay = portal.post("/token", data=_with_assertion(assertion))
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"


def test_client_assertion_signed_by_another_key_is_refused(components, portal):
    client, _ = _jwt_client(components)
    stranger = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    response = portal.post(
        "/token",
        data=_with_assertion(
            client_assertion(stranger, client.client_id, "https://testserver/token")
        ),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_assertion_for_another_audience_is_refused(components, portal):
    client, key = _jwt_client(components)
    response = portal.post(
        "/token",
        data=_with_assertion(
            client_assertion(key, client.client_id, "https://elsewhere.example/token")
        ),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def _cc_token(portal, client, secret):
    response = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_a_portals_own_tokens_share_one_service_grant_and_die_with_it(components, portal):
    client, secret = _service_client(components)
    tokens = [_cc_token(portal, client, secret) for _ in range(3)]
    with transaction(components) as db:
        (grant_id,) = db.scalars(select(Grant.id).where(Grant.client_id == client.client_id))
        revoke_grant(db, grant_id, "client_disabled", components.clock.now())
    for token in tokens:
        answer = portal.post("/introspect", data={"token": token}, auth=(client.client_id, secret))
        assert answer.json() == {"active": False}


def test_a_revoked_service_grant_is_replaced_after_the_recheck_interval(
    components, db_session, clock
):
    ticks = [0.0]
    grants = ServiceGrants(monotonic=lambda: ticks[0])
    first = grants.for_client(db_session, "portal-x", clock.now())  # created
    db_session.flush()
    again = grants.for_client(db_session, "portal-x", clock.now())  # read back, remembered
    assert again.id == first.id
    revoke_grant(db_session, first.id, "client_disabled", clock.now())
    assert grants.for_client(db_session, "portal-x", clock.now()).id == first.id  # cached
    ticks[0] = SERVICE_GRANT_RECHECK_SECONDS + 1
    replaced = grants.for_client(db_session, "portal-x", clock.now())
    assert replaced.id != first.id
    assert db_session.scalar(select(func.count()).where(Grant.client_id == "portal-x")) == 2
