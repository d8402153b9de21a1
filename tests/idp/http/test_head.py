"""HEAD (RFC 9110 section 9.3.2) answers as GET without the content where GET changes
nothing; elsewhere, as for any method a path does not take, 405 with `Allow` (15.5.6)."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Message, Receive, Scope, Send

from idp.http.head import HeadAsGet
from tests.factories.idp import make_account, make_client
from tests.idp.flows import authorization_request, sign_in

SAME_HEADERS = ("content-type", "content-length", "cache-control", "location", "www-authenticate")


def _assert_head_is_get(browser, path):
    got, head = browser.get(path), browser.head(path)
    assert head.status_code == got.status_code, head.text[:200]
    assert head.content == b""
    assert {name: head.headers.get(name) for name in SAME_HEADERS} == {
        name: got.headers.get(name) for name in SAME_HEADERS
    }


@pytest.mark.parametrize(
    "path", ["/", "/login", "/register", "/recover", "/help", "/healthz", "/userinfo", "/api/docs"]
)
def test_head_of_a_safe_get_answers_as_the_get_does(browser, path):
    _assert_head_is_get(browser, path)


def test_head_of_a_signed_in_page_answers_as_the_get_does(components, browser):
    sign_in(browser, "/login", make_account(components).email)
    for path in ("/account", "/account/sessions", "/account/portals"):
        _assert_head_is_get(browser, path)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("HEAD", "/logout", "GET, POST"),  # its GET may end the session
        ("HEAD", "/authorize/resume", "GET"),
        ("POST", "/", "GET"),
        ("GET", "/token", "POST"),
        ("DELETE", "/userinfo", "GET, POST"),
    ],
)
def test_a_method_a_path_does_not_take_is_405_with_allow(browser, method, path, allowed):
    response = browser.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed


def test_head_of_authorize_keeps_no_request_and_says_what_is_allowed(components, browser):
    """GET /authorize keeps a pending request (and issues a code to a signed-in person): a
    HEAD, which a link checker may send, does neither."""
    sign_in(browser, "/login", make_account(components).email)
    client, _ = make_client(components, first_party=True)
    query = authorization_request(client.client_id).query
    response = browser.head("/authorize?" + query)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert "location" not in response.headers


def test_the_layer_drops_the_body_and_keeps_the_length():
    sent: list[Message] = []

    async def page(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["method"] == "GET"
        headers = [(b"content-length", b"10")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"01234", "more_body": True})
        await send({"type": "http.response.body", "body": b"56789"})

    async def collect(message: Message) -> None:
        sent.append(message)

    async def nothing() -> Message:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "HEAD", "path": "/help"}
    asyncio.run(HeadAsGet(page)(scope, nothing, collect))
    assert sent[0]["headers"] == [(b"content-length", b"10")]
    assert [m.get("body") for m in sent[1:]] == [b""]
