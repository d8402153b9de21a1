"""Bad input never gives a 500: malformed, oversized, duplicated, non-UTF-8 parameters."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories.idp import make_client
from tests.idp.flows import authorization_request, query_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_non_utf8_form_body_is_invalid_request(components, portal):
    client, secret = make_client(components)
    response = portal.post(
        "/token",
        content=b"grant_type=client_credentials&scope=%ff%fe",
        headers=FORM,
        auth=(client.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "UTF-8" in response.json()["error_description"]


def test_oversized_body_is_invalid_request_naming_the_limit(portal):
    response = portal.post("/token", content=b"a=" + b"x" * 70_000, headers=FORM)
    assert response.status_code == 400
    assert "65536" in response.json()["error_description"]


def test_oversized_parameter_is_named(portal):
    response = portal.post("/token", content=b"grant_type=" + b"x" * 5000, headers=FORM)
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "grant_type" in body["error_description"]
    assert "4096" in body["error_description"]


def test_repeated_token_parameter_is_invalid_request(components, portal):
    client, secret = make_client(components, grant_types=["client_credentials"], redirect_uris=[])
    response = portal.post(
        "/token",
        content=b"grant_type=client_credentials&grant_type=client_credentials",
        headers=FORM,
        auth=(client.client_id, secret),
    )
    assert response.json()["error"] == "invalid_request"
    assert "grant_type" in response.json()["error_description"]


def test_json_body_at_the_token_endpoint_is_invalid_request(portal):
    response = portal.post("/token", json={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_non_utf8_authorization_query_shows_a_page(browser):
    response = browser.get("/authorize?client_id=%ff%fe&response_type=code")
    assert response.status_code == 400
    assert "location" not in response.headers


def test_oversized_state_is_redirected_as_invalid_request(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, state="s" * 3000)
    response = browser.get("/authorize?" + request.query)
    result = query_of(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert "state" in result["error_description"]


def test_malformed_basic_authorization_header_is_invalid_client(portal):
    response = portal.post(
        "/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic %%%not-base64"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize("path", ["/token", "/introspect", "/revoke"])
def test_get_on_a_post_only_endpoint_is_not_a_server_error(portal, path):
    response = portal.get(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/api/applications", "GET, POST"), ("/login", "GET, POST"), ("/jwks", "GET")],
)
def test_a_405_names_every_method_of_the_path(portal, path, allowed):
    """RFC 9110 section 15.5.6; Starlette alone names only the first matching route's."""
    response = portal.request("DELETE", path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed


def test_malformed_max_age_is_invalid_request(components, browser):
    client, _ = make_client(components)
    request = authorization_request(client.client_id, max_age="-5")
    assert (
        query_of(browser.get("/authorize?" + request.query).headers["location"])["error"]
        == "invalid_request"
    )


printable = st.text(alphabet=string.printable + "éàç\x00", max_size=80)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300))
def test_arbitrary_token_bodies_never_give_a_server_error(portal, body):
    response = portal.post("/token", content=body, headers=FORM)
    assert response.status_code in (400, 401)
    assert "error" in response.json()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "prompt",
                "max_age",
                "code_challenge",
                "code_challenge_method",
                "nonce",
                "ui_locales",
            ]
        ),
        printable,
        max_size=8,
    )
)
def test_arbitrary_authorization_requests_never_give_a_server_error(browser, params):
    response = browser.get("/authorize", params=params)
    assert response.status_code < 500
