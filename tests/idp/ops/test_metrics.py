"""`/metrics`: requests and latency by route template and status, tokens by grant type,
sign-ins and failures, delegation decisions by outcome, and the outbox gauges."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from idp.outbox.models import OutboxMessage
from idp.outbox.service import enqueue
from tests.factories.idp import make_account, transaction
from tests.idp.flows import portal_client, portal_token, sign_in


def sample(browser, name: str, **labels: str) -> float:
    text = browser.get("/metrics").text
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


def test_a_token_is_counted_by_grant_type_and_its_request_by_route(components, browser):
    client, secret = portal_client(components)
    tokens = sample(browser, "idp_tokens_issued_total", grant_type="client_credentials")
    requests = sample(
        browser, "idp_http_requests_total", method="POST", route="/token", status="200"
    )
    portal_token(browser, client, secret)
    assert sample(browser, "idp_tokens_issued_total", grant_type="client_credentials") == (
        tokens + 1
    )
    assert sample(
        browser, "idp_http_requests_total", method="POST", route="/token", status="200"
    ) == (requests + 1)
    assert (
        sample(
            browser,
            "idp_http_request_duration_seconds_count",
            method="POST",
            route="/token",
            status="200",
        )
        >= 1
    )


def test_routes_are_counted_by_template_and_unknown_paths_together(browser):
    before = sample(browser, "idp_http_requests_total", route="unmatched", status="404")
    browser.get("/no/such/page/12345")
    browser.get("/another/unknown")
    assert sample(browser, "idp_http_requests_total", route="unmatched", status="404") == (
        before + 2
    )
    assert "/no/such/page" not in browser.get("/metrics").text


def test_sign_ins_and_failures_are_counted(components, browser):
    account = make_account(components)
    failures = sample(
        browser, "idp_sign_ins_total", factor="password", outcome="invalid_credentials"
    )
    successes = sample(browser, "idp_sign_ins_total", factor="password", outcome="success")
    sign_in(browser, "/login", account.email, "not the password at all")
    sign_in(browser, "/login", account.email)
    assert sample(
        browser, "idp_sign_ins_total", factor="password", outcome="invalid_credentials"
    ) == (failures + 1)
    assert sample(browser, "idp_sign_ins_total", factor="password", outcome="success") == (
        successes + 1
    )


def test_delegation_decisions_are_counted_by_outcome(components, browser, portal):
    client, secret = portal_client(components)
    token = portal_token(portal, client, secret)
    before = sample(browser, "idp_delegation_decisions_total", outcome="no_application")
    response = portal.post(
        "/api/decisions",
        json={"actor_sub": "someone", "action": "application.read", "application_number": "X1"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    assert sample(browser, "idp_delegation_decisions_total", outcome="no_application") == (
        before + 1
    )


def test_outbox_depth_oldest_age_and_dead_letters_are_read_at_scrape_time(
    components, browser, clock
):
    now = clock.now()
    with transaction(components) as db:
        enqueue(
            db,
            kind="test",
            url="https://a.example/x",
            content_type="text/plain",
            body="1",
            now=now - timedelta(seconds=90),
        )
        enqueue(
            db, kind="test", url="https://b.example/x", content_type="text/plain", body="2", now=now
        )
        dead = enqueue(
            db, kind="test", url="https://c.example/x", content_type="text/plain", body="3", now=now
        )
        db.get_one(OutboxMessage, dead.id).dead_at = now
    assert sample(browser, "idp_outbox_depth") == 2
    assert sample(browser, "idp_outbox_oldest_waiting_seconds") == 90
    assert sample(browser, "idp_outbox_dead_letters") == 1
    assert sample(browser, "idp_outbox_readable") == 1
