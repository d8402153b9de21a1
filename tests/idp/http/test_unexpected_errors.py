"""An unexpected error answers 500 with the request id, logs the traceback once with it,
and leaves the HTTP connection usable (uvicorn drops it when the app re-raises)."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
import uvicorn

from idp.app import create_app
from tests.e2e.servers import read_http_response
from tests.servers import free_port


@pytest.fixture
def served_app(settings, components, backend):
    if backend.is_real:
        pytest.skip("the error path does not depend on the backend")
    app = create_app(settings, components=components)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(timeout=10)


def test_an_unexpected_error_answers_500_and_keeps_the_connection(served_app, caplog):
    caplog.set_level(logging.ERROR, logger="idp.http")
    request = (
        b"GET /boom HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: trace-42\r\n\r\n"
        b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", served_app), 10) as sock:
        sock.settimeout(10)
        sock.sendall(request)
        first_status, first = read_http_response(sock)
        second_status, second = read_http_response(sock)
    assert (first_status, second_status) == (500, 200)
    assert first["x-request-id"] == "trace-42"
    assert first.get("connection") != "close"
    assert second["x-request-id"] != "trace-42"
    (record,) = [r for r in caplog.records if "unhandled error" in r.getMessage()]
    assert "request_id=trace-42" in record.getMessage()
    assert record.exc_info is not None


def test_an_unsafe_request_id_is_replaced(browser):
    response = browser.get("/healthz", headers={"X-Request-Id": "bad id\twith spaces"})
    assert response.headers["x-request-id"] != "bad id\twith spaces"
    assert len(response.headers["x-request-id"]) == 16
