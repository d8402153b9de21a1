"""The portal API: applications registry, idempotency, problem+json errors, decisions."""

from __future__ import annotations

import re

from tests.factories.idp import connect, make_account
from tests.idp.flows import csrf_of, portal_client, portal_token, register_application, sign_in


def _setup(components, portal, *applicants):
    """A portal, its token, and applicants who have signed in to it."""
    client, secret = portal_client(components)
    for applicant in applicants:
        connect(components, applicant, client)
    return client, secret, portal_token(portal, client, secret)


def test_portal_registers_an_application_for_an_applicant(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    response = register_application(
        portal,
        token,
        applicant.subject,
        "E000123",
        unread_count=2,
        deep_link="https://portal.example/app/E000123",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["application_number"] == "E000123"
    assert body["applicant_sub"] == applicant.subject
    assert body["unread_count"] == 2


def test_retry_with_the_same_idempotency_key_creates_nothing_new(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    body = {
        "application_number": "E1",
        "program": "Work permit",
        "status": "received",
        "applicant": {"sub": applicant.subject},
    }
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"}
    first = portal.post("/api/applications", json=body, headers=headers)
    again = portal.post("/api/applications", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    listed = portal.get("/api/applications", headers={"Authorization": f"Bearer {token}"}).json()
    assert [a["application_number"] for a in listed] == ["E1"]


def test_same_number_without_a_key_is_still_one_application(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    assert register_application(portal, token, applicant.subject, "E2").status_code == 201
    assert register_application(portal, token, applicant.subject, "E2").status_code == 200


def test_reused_idempotency_key_with_another_body_is_a_problem(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k-2"}
    base = {"program": "Visa", "status": "received", "applicant": {"sub": applicant.subject}}
    portal.post("/api/applications", json={**base, "application_number": "A"}, headers=headers)
    reused = portal.post(
        "/api/applications", json={**base, "application_number": "B"}, headers=headers
    )
    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["errors"][0]["field"] == "Idempotency-Key"


def test_an_application_named_by_email_waits_for_the_person_to_confirm_it(
    components, portal, browser
):
    applicant = make_account(components)
    _, _, token = _setup(components, portal)  # the applicant never signed in there
    response = portal.post(
        "/api/applications",
        json={
            "application_number": "E3",
            "program": "PR",
            "status": "received",
            "applicant": {"login_hint": applicant.email.upper()},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202
    assert response.json() == {"application_number": "E3", "status": "pending_confirmation"}
    assert "sub" not in response.text  # the portal learns nothing about the account
    sign_in(browser, "/login", applicant.email)
    page = browser.get("/account/applications")
    assert "E3" in page.text
    claim = re.search(r'name="claim" value="([0-9a-f]+)"', page.text).group(1)
    browser.post(
        "/account/applications/claims",
        data={"claim": claim, "decision": "confirm", "csrf_token": csrf_of(page)},
    )
    listed = portal.get("/api/applications", headers={"Authorization": f"Bearer {token}"})
    assert [a["applicant_sub"] for a in listed.json()] == [applicant.subject]


def test_an_email_without_an_account_gets_the_same_answer(components, portal):
    _, _, token = _setup(components, portal)
    response = portal.post(
        "/api/applications",
        json={
            "application_number": "E9",
            "program": "PR",
            "status": "received",
            "applicant": {"login_hint": "nobody@example.ca"},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 202
    assert response.json() == {"application_number": "E9", "status": "pending_confirmation"}


def test_a_portal_cannot_attach_to_an_account_that_never_used_it(components, portal):
    stranger = make_account(components)
    _, _, token = _setup(components, portal)
    response = register_application(portal, token, stranger.subject, "E10")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "applicant"
    assert stranger.subject not in response.text


def test_unknown_applicant_is_a_problem_naming_the_field(components, portal):
    _, _, token = _setup(components, portal)
    response = register_application(portal, token, "no-such-sub", "E4")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "applicant"


def test_invalid_body_is_a_problem_naming_the_field_and_the_limit(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    response = register_application(portal, token, applicant.subject, "E5", program="x" * 101)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["errors"][0]["field"] == "program"
    assert problem["errors"][0]["limit"] == 100


def test_without_a_token_the_api_answers_401_with_a_challenge(portal):
    response = portal.get("/api/applications")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


def test_token_without_the_scope_is_403(components, portal):
    client, secret = portal_client(components)
    token = portal_token(portal, client, secret, scope="delegations:read")
    response = portal.get("/api/applications", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "insufficient_scope" in response.headers["www-authenticate"]


def test_a_persons_token_cannot_use_the_portal_api(components, portal, browser):
    from tests.idp.flows import authorization_request, authorize_code, redeem

    person = make_account(components)
    client, secret = portal_client(components)
    request = authorization_request(client.client_id, scope="openid applications:write")
    code = authorize_code(browser, request, person.email)["code"]
    token = redeem(portal, code, request.verifier, client.client_id, secret).json()["access_token"]
    assert (
        portal.get("/api/applications", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_portal_updates_status_and_unread_count(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    register_application(portal, token, applicant.subject, "E6")
    patched = portal.patch(
        "/api/applications/E6",
        json={"status": "in review", "unread_count": 3},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert patched.status_code == 200
    assert (patched.json()["status"], patched.json()["unread_count"]) == ("in review", 3)
    missing = portal.patch(
        "/api/applications/NOPE", json={"status": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert missing.status_code == 404


def test_a_portal_sees_only_its_own_applications(components, portal):
    applicant = make_account(components)
    _, _, token_a = _setup(components, portal, applicant)
    _, _, token_b = _setup(components, portal, applicant)
    register_application(portal, token_a, applicant.subject, "SAME")
    assert (
        portal.get("/api/applications", headers={"Authorization": f"Bearer {token_b}"}).json() == []
    )
    assert (
        portal.patch(
            "/api/applications/SAME",
            json={"status": "x"},
            headers={"Authorization": f"Bearer {token_b}"},
        ).status_code
        == 404
    )


def test_openapi_documents_the_portal_api(portal):
    document = portal.get("/api/openapi.json").json()
    assert "/api/applications" in document["paths"]
    assert "/api/decisions" in document["paths"]


def test_openapi_describes_only_the_portal_api(portal):
    """The OAuth and OIDC endpoints are described by discovery, the pages by themselves."""
    paths = portal.get("/api/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") for path in paths), sorted(paths)


def _page(portal, token, url):
    response = portal.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    found = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return [a["application_number"] for a in response.json()], found.group(1) if found else None


def test_the_list_comes_a_page_at_a_time_with_a_next_link(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    numbers = ["E-05", "E-01", "E-04", "E-02", "E-03"]
    for number in numbers:
        assert register_application(portal, token, applicant.subject, number).status_code == 201
    seen, url, pages = [], "/api/applications?limit=2", 0
    while url is not None:
        page, url = _page(portal, token, url)
        assert len(page) <= 2
        seen += page
        pages += 1
        if pages == 1:  # added between two pages, before the cursor: not shown again later
            register_application(portal, token, applicant.subject, "E-00")
    assert seen == sorted(numbers)
    assert pages == 3
    whole, last = _page(portal, token, "/api/applications")
    assert whole == ["E-00", *sorted(numbers)]
    assert last is None


def test_a_page_size_out_of_bounds_is_a_problem_naming_the_limit(components, portal):
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    headers = {"Authorization": f"Bearer {token}"}
    for query, limit in (("limit=0", 1), ("limit=501", 500), ("after=" + "9" * 65, 64)):
        response = portal.get(f"/api/applications?{query}", headers=headers)
        assert response.status_code == 422, query
        assert response.headers["content-type"].startswith("application/problem+json")
        (error,) = response.json()["errors"]
        assert error["field"] == "query." + query.split("=")[0]
        assert error["limit"] == limit


def test_every_portal_api_answer_is_not_stored_errors_included(components, portal):
    """The answers name applicants and their applications: no cache may keep them."""
    applicant = make_account(components)
    _, _, token = _setup(components, portal, applicant)
    bearer = {"Authorization": f"Bearer {token}"}
    decision = {"actor_sub": applicant.subject, "action": "application.read"}
    answers = {
        "registered": register_application(portal, token, applicant.subject, "E7"),
        "listed": portal.get("/api/applications", headers=bearer),
        "updated": portal.patch("/api/applications/E7", json={"unread_count": 1}, headers=bearer),
        "decided": portal.post(
            "/api/decisions", json={**decision, "application_number": "E7"}, headers=bearer
        ),
        "unknown": portal.patch("/api/applications/E8", json={"unread_count": 1}, headers=bearer),
        "invalid": portal.get("/api/applications?limit=0", headers=bearer),
        "too_large": portal.post(
            "/api/applications", content=b"{" + b" " * 70_000 + b"}", headers=bearer
        ),
        "unauthenticated": portal.get("/api/applications"),
        "no_route": portal.get("/api/nothing-here", headers=bearer),
    }
    assert {name: a.status_code for name, a in answers.items()} == {
        "registered": 201,
        "listed": 200,
        "updated": 200,
        "decided": 200,
        "unknown": 404,
        "invalid": 422,
        "too_large": 413,
        "unauthenticated": 401,
        "no_route": 404,
    }
    for name, answer in answers.items():
        assert answer.headers.get_list("cache-control") == ["no-store"], name
        assert answer.headers.get("pragma") == "no-cache", name
