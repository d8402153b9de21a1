"""UserInfo (OIDC Core 5.3) with RFC 6750 bearer errors."""

from __future__ import annotations

from tests.factories.idp import make_account, make_client
from tests.idp.flows import authorization_request, authorize_code, redeem


def _access_token(components, browser, portal, scope="openid profile email"):
    account = make_account(components, locale="fr")
    client, secret = make_client(components)
    request = authorization_request(client.client_id, scope=scope)
    code = authorize_code(browser, request, account.email)["code"]
    return account, redeem(portal, code, request.verifier, client.client_id, secret).json()[
        "access_token"
    ]


def test_userinfo_get_returns_the_claims_of_the_granted_scopes(components, browser, portal):
    account, token = _access_token(components, browser, portal)
    response = portal.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {
        "sub": account.subject,
        "locale": "fr",
        "name": account.name,
        "updated_at": int(account.updated_at.timestamp()),
        "email": account.email,
        "email_verified": True,
    }


def test_userinfo_post_works_like_get(components, browser, portal):
    account, token = _access_token(components, browser, portal)
    response = portal.post("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["sub"] == account.subject


def test_userinfo_releases_only_what_the_scope_allows(components, browser, portal):
    _, token = _access_token(components, browser, portal, scope="openid")
    claims = portal.get("/userinfo", headers={"Authorization": f"Bearer {token}"}).json()
    assert set(claims) == {"sub", "locale"}


def test_bad_bearer_token_is_401_invalid_token_with_a_challenge(portal):
    response = portal.get("/userinfo", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge


def test_missing_token_is_401_with_a_bare_challenge(portal):
    response = portal.get("/userinfo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="passerelle"'


def test_missing_token_is_answered_without_an_error_code(portal):
    # RFC 6750 section 3.1: no error code when the request lacks authentication information.
    response = portal.get("/userinfo")
    assert response.json() == {}


def test_another_authorization_scheme_is_401_with_a_bare_challenge(portal):
    # RFC 6750 section 3.1: an unsupported authentication method gets no error code either.
    response = portal.get("/userinfo", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="passerelle"'
    assert response.json() == {}


def test_empty_bearer_credentials_are_invalid_token(portal):
    response = portal.get("/userinfo", headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_token_without_openid_scope_is_403_insufficient_scope(components, portal):
    client, secret = make_client(
        components, grant_types=["client_credentials"], redirect_uris=[], scope="openid"
    )
    token = portal.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(client.client_id, secret)
    ).json()["access_token"]
    response = portal.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    # A client-credentials token has no person behind it: no openid scope is ever granted.
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_expired_token_is_invalid_token(components, browser, portal, clock):
    _, token = _access_token(components, browser, portal)
    clock.advance(components.settings.access_token_ttl_seconds + 1)
    response = portal.get("/userinfo", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


# RFC 6750 section 2.2: the form-encoded body parameter ---------------------------------


def test_access_token_in_a_form_encoded_post_body_is_accepted(components, browser, portal):
    account, token = _access_token(components, browser, portal)
    response = portal.post("/userinfo", data={"access_token": token})
    assert response.status_code == 200, response.text
    assert response.json()["sub"] == account.subject


def test_access_token_in_a_get_query_is_not_read(components, browser, portal):
    _, token = _access_token(components, browser, portal)
    response = portal.get("/userinfo", params={"access_token": token})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="passerelle"'


def test_access_token_in_a_json_body_is_not_read(components, browser, portal):
    _, token = _access_token(components, browser, portal)
    response = portal.post("/userinfo", json={"access_token": token})
    assert response.status_code == 401


def test_access_token_in_both_header_and_body_is_invalid_request(components, browser, portal):
    _, token = _access_token(components, browser, portal)
    response = portal.post(
        "/userinfo", data={"access_token": token}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


def test_access_token_repeated_in_the_body_is_invalid_request(components, browser, portal):
    _, token = _access_token(components, browser, portal)
    response = portal.post(
        "/userinfo",
        content=f"access_token={token}&access_token={token}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert "access_token" in response.json()["error_description"]


def test_bad_access_token_in_the_body_is_invalid_token(portal):
    response = portal.post("/userinfo", data={"access_token": "not.a.token"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
