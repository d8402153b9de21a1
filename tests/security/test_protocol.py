"""Protocol holes closed (issue 7 items 5, 12, 13, 16): a subject token is exchanged only by
its own client; a client assertion cannot outlive the memory of its `jti`; logout takes
only ID tokens as hints; links built from the request never point at another host."""

from __future__ import annotations

import secrets
import time

from joserfc import jwt
from joserfc.jwk import ECKey

from tests.factories.idp import connect, grant_delegation, make_account, make_client
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    authorize_code,
    portal_client,
    portal_token,
    redeem,
    register_application,
)

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"  # a URN


def _delegation_world(components, browser, portal):
    applicant, rep = make_account(components), make_account(components)
    client_a, secret_a = portal_client(components, name="Portal A")
    client_b, secret_b = portal_client(components, name="Portal B")
    connect(components, applicant, client_a)
    app_token = portal_token(portal, client_a, secret_a)
    application = register_application(portal, app_token, applicant.subject, "E55").json()
    grant_delegation(components, applicant, rep, [application["id"]], accept=True)
    request = authorization_request(client_b.client_id, scope="openid")
    code = authorize_code(browser, request, rep.email)["code"]
    b_token = redeem(portal, code, request.verifier, client_b.client_id, secret_b).json()
    return (client_a, secret_a), b_token["access_token"]


def test_a_portal_cannot_exchange_another_portals_token(components, browser, portal):
    (client_a, secret_a), token_for_b = _delegation_world(components, browser, portal)
    details = (
        '[{"type":"passerelle_application","application":"E55","actions":["application.read"]}]'
    )
    response = portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": token_for_b,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "authorization_details": details,
        },
        auth=(client_a.client_id, secret_a),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "another client" in response.json()["error_description"]


def test_a_client_assertion_valid_for_a_year_is_refused(components, portal):
    key = ECKey.generate_key("P-256", parameters={"kid": "portal-key"})
    client, _ = make_client(
        components,
        auth_method="private_key_jwt",
        grant_types=["client_credentials"],
        redirect_uris=[],
        post_logout_redirect_uris=[],
        scope="applications:write",
        jwks={"keys": [key.as_dict(private=False)]},
    )
    now = int(time.time())
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": f"{components.settings.issuer}/token",
        "iat": now,
        "exp": now + 365 * 24 * 3600,
        "jti": secrets.token_urlsafe(12),
    }
    assertion = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key)
    response = portal.post(
        "/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_logout_refuses_an_access_token_as_the_hint(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components, first_party=True)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    tokens = redeem(portal, code, request.verifier, client.client_id, secret).json()
    refused = browser.get(
        "/logout",
        params={
            "id_token_hint": tokens["access_token"],
            "post_logout_redirect_uri": client.post_logout_redirect_uris[0],
        },
    )
    assert refused.status_code == 400
    assert "not an ID token" in refused.text
    assert browser.get("/account").status_code == 200  # still signed in
    accepted = browser.get(
        "/logout",
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": client.post_logout_redirect_uris[0],
        },
    )
    assert accepted.status_code == 303


def test_the_language_link_never_points_at_another_host(browser):
    page = browser.get("https://testserver//evil.example/login")  # the path is //evil...
    assert "//evil.example" not in page.text
    assert 'href="/evil.example/login?lang=fr"' in page.text


def test_wrong_client_secrets_never_lock_the_portal_out(components, portal):
    """A client secret is 256 random bits: guessing it online cannot succeed, so there is
    no per-client lockout, which would let anyone who knows a client_id (it is in every
    authorization URL) stop that portal's tokens."""
    client, secret = portal_client(components, name="Portal C")
    assert len(secret) >= 43  # secrets.token_urlsafe(32): 256 bits
    for n in range(25):
        wrong = portal.post(
            "/token",
            data={"grant_type": "client_credentials", "scope": "applications:write"},
            auth=(client.client_id, f"guess-{n}"),
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
    assert portal_token(portal, client, secret)
