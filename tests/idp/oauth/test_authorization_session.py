"""Whom the authorization endpoint issues a code for: the browser's session, `prompt`,
`max_age`, `id_token_hint`, a `sub` in `claims`, and the consent asked or remembered."""

from __future__ import annotations

import json

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from starlette.testclient import TestClient

from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    consent_form,
    follow_to_redirect_uri,
    query_of,
    redeem,
    sign_in,
    with_jwt_header,
)


def test_prompt_none_without_a_session_is_login_required(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, prompt="none")
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "login_required"
    assert result["state"] == request.params["state"]


def test_prompt_none_with_a_session_and_consent_issues_a_code(components, browser):
    account = make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    request = authorization_request(client.client_id, prompt="none")
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert "code" in result


def _jwks(portal) -> KeySet:
    return KeySet.import_key_set(portal.get("/jwks").json())


def _id_token_of(components, app, client, secret, email) -> str:
    """An ID token for `email`, signed in from another browser than the test's."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as elsewhere:
        request = authorization_request(client.client_id)
        code = authorize_code(elsewhere, request, email)["code"]
        body = redeem(elsewhere, code, request.verifier, client.client_id, secret).json()
    return str(body["id_token"])


def test_prompt_none_with_an_id_token_hint_of_the_signed_in_person_issues_a_code(
    components, app, browser
):
    account = make_account(components)
    client, secret = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    hint = _id_token_of(components, app, client, secret, account.email)
    request = authorization_request(client.client_id, prompt="none", id_token_hint=hint)
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert "code" in result


def test_prompt_none_with_an_id_token_hint_of_someone_else_is_login_required(
    components, app, browser
):
    signed_in, hinted = make_account(components), make_account(components)
    client, secret = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), signed_in.email)
    hint = _id_token_of(components, app, client, secret, hinted.email)
    request = authorization_request(client.client_id, prompt="none", id_token_hint=hint)
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "login_required"
    assert result["state"] == request.params["state"]


def test_id_token_hint_of_someone_else_asks_to_sign_in(components, app, browser, portal):
    signed_in, hinted = make_account(components), make_account(components)
    client, secret = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), signed_in.email)
    hint = _id_token_of(components, app, client, secret, hinted.email)
    request = authorization_request(client.client_id, id_token_hint=hint)
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?interaction=")
    signed = sign_in(browser, response.headers["location"], hinted.email)
    code = query_of(follow_to_redirect_uri(browser, signed).headers["location"])["code"]
    body = redeem(portal, code, request.verifier, client.client_id, secret).json()
    assert jwt.decode(body["id_token"], _jwks(portal)).claims["sub"] == hinted.subject


def test_signing_in_as_someone_else_than_the_hint_names_is_login_required(components, app, browser):
    signed_in, hinted = make_account(components), make_account(components)
    client, secret = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), signed_in.email)
    hint = _id_token_of(components, app, client, secret, hinted.email)
    request = authorization_request(client.client_id, id_token_hint=hint)
    login = browser.get("/authorize?" + request.query).headers["location"]
    signed = sign_in(browser, login, signed_in.email)
    result = query_of(follow_to_redirect_uri(browser, signed).headers["location"])
    assert result["error"] == "login_required"
    assert "code" not in result


def _claims_sub(subject: str) -> str:
    return json.dumps({"id_token": {"sub": {"value": subject}}})


def test_a_sub_value_in_claims_is_the_only_person_a_code_is_issued_for(components, browser):
    signed_in, named = make_account(components), make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), signed_in.email)
    for subject, answer in ((named.subject, "error"), (signed_in.subject, "code")):
        request = authorization_request(
            client.client_id, prompt="none", claims=_claims_sub(subject)
        )
        result = query_of(browser.get("/authorize?" + request.query).headers["location"])
        assert answer in result
        if answer == "error":
            assert result["error"] == "login_required"


def test_id_token_hint_and_a_sub_in_claims_naming_different_people_is_invalid_request(
    components, app, browser
):
    account, other = make_account(components), make_account(components)
    client, secret = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    hint = _id_token_of(components, app, client, secret, account.email)
    request = authorization_request(
        client.client_id, id_token_hint=hint, claims=_claims_sub(other.subject)
    )
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "invalid_request"
    assert "'id_token_hint'" in result["error_description"]


def test_id_token_hint_that_is_not_our_id_token_is_invalid_request(components, app, browser):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email)["code"]
    body = redeem(browser, code, request.verifier, client.client_id, secret).json()
    forged = body["id_token"][:-4] + ("AAAA" if not body["id_token"].endswith("AAAA") else "BBBB")
    for hint in (forged, body["access_token"]):
        again = authorization_request(client.client_id, prompt="none", id_token_hint=hint)
        result = query_of(browser.get("/authorize?" + again.query).headers["location"])
        assert result["error"] == "invalid_request"
        assert "id_token_hint" in result["error_description"]
        assert "code" not in result


def test_id_token_hint_signed_by_a_key_no_longer_published_asks_to_sign_in(
    components, app, browser, portal
):
    account = make_account(components)
    client, secret = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    hint = with_jwt_header(_id_token_of(components, app, client, secret, account.email), kid="gone")
    silent = authorization_request(client.client_id, prompt="none", id_token_hint=hint)
    result = query_of(browser.get("/authorize?" + silent.query).headers["location"])
    assert result["error"] == "login_required"
    request = authorization_request(client.client_id, id_token_hint=hint)
    login = browser.get("/authorize?" + request.query).headers["location"]
    assert login.startswith("/login?interaction=")
    signed = sign_in(browser, login, account.email)
    assert "code" in query_of(follow_to_redirect_uri(browser, signed).headers["location"])


def test_consent_is_asked_once_and_remembered(components, browser):
    account = make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    again = browser.get("/authorize?" + authorization_request(client.client_id).query)
    assert again.status_code == 302
    assert "code" in query_of(again.headers["location"])


def test_prompt_consent_asks_again(components, browser):
    account = make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    again = browser.get(
        "/authorize?" + authorization_request(client.client_id, prompt="consent").query
    )
    assert again.status_code == 200
    assert 'name="decision"' in again.text


def test_first_party_portal_skips_consent(components, browser):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    request = authorization_request(client.client_id)
    first = browser.get("/authorize?" + request.query)
    from tests.idp.flows import sign_in

    after_login = sign_in(browser, first.headers["location"], account.email)
    resumed = browser.get(after_login.headers["location"])
    assert resumed.status_code == 302
    assert "code" in query_of(resumed.headers["location"])


def test_denied_consent_redirects_access_denied(components, browser):
    account = make_account(components)
    client, _ = make_client(components)
    result = authorize_code(
        browser, authorization_request(client.client_id), account.email, consent="deny"
    )
    assert result["error"] == "access_denied"


@pytest.mark.parametrize("prompt", ["login", "select_account"])
def test_prompt_login_or_select_account_shows_the_sign_in_page(components, browser, prompt):
    """`select_account`: the person chooses the account by signing in with it."""
    account, other = make_account(components), make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    response = browser.get(
        "/authorize?" + authorization_request(client.client_id, prompt=prompt).query
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    signed = sign_in(browser, response.headers["location"], other.email)
    assert "code" in query_of(follow_to_redirect_uri(browser, signed).headers["location"])


@pytest.mark.parametrize("asks", [{"prompt": "login"}, {"max_age": "0"}])
def test_a_sign_in_for_a_request_counts_only_in_the_browser_that_made_it(
    components, app, browser, asks
):
    """The interaction's id travels in URLs: resumed from another browser, whose session
    is older, the request asks that browser to sign in, not for a code."""
    account = make_account(components)
    client, _ = make_client(components)
    asked = browser.get("/authorize?" + authorization_request(client.client_id, **asks).query)
    resume = sign_in(browser, asked.headers["location"], account.email).headers["location"]
    assert resume.startswith("/authorize/resume?interaction=")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as elsewhere:
        authorize_code(elsewhere, authorization_request(client.client_id), account.email)
        taken = elsewhere.get(resume)
        assert taken.status_code == 303
        assert taken.headers["location"].startswith("/login"), taken.headers["location"]
    here = browser.get(resume)
    assert 'name="decision"' in here.text or "code" in query_of(here.headers["location"])


def test_max_age_exceeded_forces_a_new_sign_in(components, browser, clock):
    account = make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    clock.advance(120)
    response = browser.get(
        "/authorize?" + authorization_request(client.client_id, max_age="60").query
    )
    assert response.headers["location"].startswith("/login")
    fresh = browser.get(
        "/authorize?" + authorization_request(client.client_id, max_age="600").query
    )
    assert "code" in query_of(fresh.headers["location"])


def test_max_age_zero_asks_for_one_sign_in_however_long_the_consent_takes(
    components, browser, clock
):
    """OIDC Core 3.1.2.1 (errata 2): max_age=0 is prompt=login; the sign-in made for this
    request satisfies it, even when seconds pass on the consent page."""
    account = make_account(components)
    client, _ = make_client(components)
    first = browser.get("/authorize?" + authorization_request(client.client_id, max_age="0").query)
    assert first.headers["location"].startswith("/login")
    signed_in = sign_in(browser, first.headers["location"], account.email)
    clock.advance(5)
    consent_page = browser.get(signed_in.headers["location"])
    assert 'name="decision"' in consent_page.text
    clock.advance(30)
    answered = browser.post("/authorize/consent", data=consent_form(consent_page))
    assert "code" in query_of(answered.headers["location"]), answered.headers["location"]


def test_max_age_zero_with_a_session_from_this_very_second_still_signs_in_again(
    components, browser
):
    account = make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    silent = browser.get(
        "/authorize?" + authorization_request(client.client_id, max_age="0", prompt="none").query
    )
    assert query_of(silent.headers["location"])["error"] == "login_required"
    asked = browser.get("/authorize?" + authorization_request(client.client_id, max_age="0").query)
    assert asked.headers["location"].startswith("/login")
