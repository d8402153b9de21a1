"""One access line per request: method, route template, status, duration and request id,
never the query string (it carries codes, tokens and hints)."""

from __future__ import annotations

import logging


def test_the_access_line_has_the_route_template_and_no_query_string(browser, caplog):
    caplog.set_level(logging.INFO, logger="idp.access")
    secret = "invitation-token-that-must-not-be-logged"
    response = browser.get(f"/invitations/accept?token={secret}", headers={"X-Request-Id": "req-7"})
    assert response.headers["x-request-id"] == "req-7"
    (line,) = [r for r in caplog.records if r.name == "idp.access"]
    assert line.getMessage() == "request"
    assert (line.method, line.route, line.status) == ("GET", "/invitations/accept", 410)  # gone
    assert line.duration_ms >= 0
    assert secret not in str(vars(line))


def test_every_response_carries_a_request_id(browser):
    ids = {browser.get(path).headers["x-request-id"] for path in ("/healthz", "/jwks", "/login")}
    assert len(ids) == 3
