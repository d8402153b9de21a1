"""Levels of assurance asked by a portal: `acr_values` and the essential or voluntary
`acr` claim step a password session up, or are refused; the level the tokens carry."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.authn.totp import current_code
from tests.factories.idp import DEFAULT_PASSWORD, make_account, make_client
from tests.idp.authn.totp_journeys import LOA1, LOA2, signed_in_with_totp
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    csrf_of,
    enable_totp,
    query_of,
    redeem,
    sign_in,
    step_up,
)


def test_acr_values_for_multi_factor_steps_up_a_password_session(
    components, app, browser, portal, clock
):
    account = make_account(components)
    client, client_secret = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)  # loa1
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as phone:
        sign_in(phone, "/login", account.email)  # the factor is set up from another device
        secret, _ = enable_totp(phone, clock.now().timestamp())
    request = authorization_request(client.client_id, acr_values=LOA2)
    step = browser.get("/authorize?" + request.query)
    assert step.headers["location"] == "/login/second-factor"
    clock.advance(30)
    page = browser.get("/login/second-factor")
    done = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    final = browser.get(done.headers["location"])
    code = query_of(final.headers["location"])["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims
    assert claims["acr"] == LOA2
    assert "otp" in claims["amr"]


def test_acr_values_for_multi_factor_without_a_second_factor_is_refused(components, browser):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    response = browser.get(
        "/authorize?" + authorization_request(client.client_id, acr_values=LOA2).query
    )
    assert query_of(response.headers["location"])["error"] == "unmet_authentication_requirements"


def _essential_acr(*values: str) -> str:
    return json.dumps({"id_token": {"acr": {"essential": True, "values": list(values)}}})


def test_essential_acr_claim_for_multi_factor_steps_up_a_password_session(
    components, app, browser, clock
):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)  # loa1
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as phone:
        sign_in(phone, "/login", account.email)
        enable_totp(phone, clock.now().timestamp())
    request = authorization_request(client.client_id, claims=_essential_acr(LOA2))
    step = browser.get("/authorize?" + request.query)
    assert step.headers["location"] == "/login/second-factor"


def test_essential_acr_claim_for_multi_factor_without_a_second_factor_is_refused(
    components, browser
):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    request = authorization_request(client.client_id, claims=_essential_acr(LOA2))
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "unmet_authentication_requirements"
    assert "code" not in result


def test_essential_acr_claim_no_level_here_meets_is_refused(components, browser):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    request = authorization_request(client.client_id, claims=_essential_acr("urn:other:loa:3"))
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "unmet_authentication_requirements"
    assert "'acr'" in result["error_description"]


def _id_token_claims_of_multi_factor_session(components, browser, portal, clock, claims):
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    step_up(browser, clock, secret)  # the session is now multi-factor (loa 2)
    client, client_secret = make_client(components, first_party=True)
    request = authorization_request(client.client_id, claims=claims)
    code = authorize_code(browser, request, account.email)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    return jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims


def test_essential_acr_claim_gets_the_requested_level_a_stronger_session_meets(
    components, browser, portal, clock
):
    """OIDC Core 5.5.1.1: the acr returned MUST be one of the essential values asked for."""
    claims = _id_token_claims_of_multi_factor_session(
        components, browser, portal, clock, _essential_acr(LOA1)
    )
    assert claims["acr"] == LOA1


def test_essential_acr_claim_gets_the_strongest_requested_level_the_session_meets(
    components, browser, portal, clock
):
    claims = _id_token_claims_of_multi_factor_session(
        components, browser, portal, clock, _essential_acr(LOA1, LOA2, "urn:other:loa:3")
    )
    assert claims["acr"] == LOA2


def test_voluntary_acr_claim_gets_the_session_level(components, browser, portal, clock):
    voluntary = json.dumps({"id_token": {"acr": {"values": [LOA1]}}})
    claims = _id_token_claims_of_multi_factor_session(components, browser, portal, clock, voluntary)
    assert claims["acr"] == LOA2


def test_discovery_lists_the_acr_values(portal):
    metadata = portal.get("/.well-known/openid-configuration").json()
    assert LOA2 in metadata["acr_values_supported"]


def test_password_login_of_an_account_without_second_factor_is_single_factor(
    components, browser, portal
):
    account = make_account(components)
    client, client_secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email, DEFAULT_PASSWORD)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims
    assert claims["acr"] == "urn:passerelle:loa:1"
