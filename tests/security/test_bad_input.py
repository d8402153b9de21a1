"""No bad input yields a 500 (issue 7 item 14): arbitrary bytes in form bodies, Basic
credentials and JSON bodies get a 4xx naming what is wrong; a NUL character never reaches
PostgreSQL; an oversized JSON body is refused before authentication (413)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories.idp import connect, make_account
from tests.idp.flows import portal_client, portal_token

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("path", ["/token", "/introspect", "/revoke"])
def test_a_broken_basic_header_is_invalid_client_not_a_crash(portal, path):
    for header in ("Basic //4=", "Basic !!!", "Basic " + base64.b64encode(b"a\x00:b").decode()):
        response = portal.post(
            path,
            content=b"token=x&grant_type=client_credentials",
            headers={**FORM, "Authorization": header},
        )
        assert response.status_code == 401, (header, response.text)
        assert response.json()["error"] == "invalid_client"


@FUZZ
@given(body=st.binary(max_size=300), path=st.sampled_from(["/token", "/introspect", "/revoke"]))
def test_any_form_body_gets_an_oauth_error(portal, body, path):
    response = portal.post(path, content=body, headers=FORM)
    assert response.status_code < 500, response.text
    assert "error" in response.json()


@FUZZ
@given(credentials=st.binary(max_size=80))
def test_any_basic_credentials_get_an_oauth_error(portal, credentials):
    header = "Basic " + base64.b64encode(credentials).decode()
    response = portal.post(
        "/token",
        content=b"grant_type=client_credentials",
        headers={**FORM, "Authorization": header},
    )
    assert response.status_code < 500, response.text


@FUZZ
@given(body=st.binary(max_size=400))
def test_any_json_body_to_the_portal_api_gets_a_problem(portal, body, request):
    token = request.getfixturevalue("portal_bearer")
    response = portal.post(
        "/api/applications",
        content=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    assert response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
def portal_bearer(components, portal):
    client, secret = portal_client(components)
    return portal_token(portal, client, secret)


@pytest.mark.parametrize("field", ["application_number", "program", "status", "deep_link"])
def test_a_nul_character_in_any_field_is_refused_naming_it(components, portal, field):
    applicant = make_account(components)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    token = portal_token(portal, client, secret)
    body = {
        "application_number": "E1",
        "program": "Study permit",
        "status": "received",
        "deep_link": "https://portal.example/E1",
        "applicant": {"sub": applicant.subject},
    }
    body[field] = body[field] + "\x00"
    response = portal.post(
        "/api/applications", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_a_nul_in_a_client_id_is_an_oauth_error(portal):
    response = portal.post(
        "/token", data={"grant_type": "client_credentials", "client_id": "a\x00b"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_an_oversized_json_body_is_refused_before_authentication(portal):
    response = portal.post(
        "/api/applications",
        content=b"{" + b" " * (70 * 1024) + b"}",
        headers={"Content-Type": "application/json"},  # and no token at all
    )
    assert response.status_code == 413
    problem = response.json()
    assert problem["errors"][0]["field"] == "body"
    assert problem["errors"][0]["limit"] == 64 * 1024


NOT_JSON = "the body is not valid JSON: Expecting value at character 23"
NOT_UTF8 = "the body must be a JSON object encoded in UTF-8"


@pytest.mark.parametrize(
    ("content", "status", "says"),
    [
        (b'{"application_number": E1}', 422, NOT_JSON),
        (b'{"application_number": "\xff\xfe"}', 400, NOT_UTF8),
    ],
    ids=["not-json", "not-utf8"],
)
def test_a_body_that_cannot_be_read_is_refused_saying_where_or_what_to_send(
    portal_bearer, portal, content, status, says
):
    response = portal.post(
        "/api/applications",
        content=content,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {portal_bearer}"},
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "body"
    assert says in (problem["detail"], problem["errors"][0]["message"])
