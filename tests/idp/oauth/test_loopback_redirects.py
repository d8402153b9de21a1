"""RFC 8252 §7.3 through the app: a native client's loopback redirect URI on the port the
app chose at the time of the request; the token endpoint wants that exact URI back."""

from __future__ import annotations

import pytest

from tests.factories.idp import make_account, make_client
from tests.idp.flows import (
    authorization_request,
    follow_to_redirect_uri,
    query_of,
    redeem,
    sign_in,
)

REGISTERED = "http://127.0.0.1/cb"
EPHEMERAL = "http://127.0.0.1:53127/cb"


def _native_client(components):
    client, _ = make_client(
        components, application_type="native", auth_method="none", redirect_uris=[REGISTERED]
    )
    return client


def _code_at(components, browser, client, redirect_uri: str):
    """Run the browser part of the flow; return the request and where the code went."""
    account = make_account(components)
    request = authorization_request(client.client_id, redirect_uri=redirect_uri)
    first = browser.get("/authorize?" + request.query)
    assert first.status_code == 303, first.text[:500]
    final = follow_to_redirect_uri(
        browser, sign_in(browser, first.headers["location"], account.email)
    )
    assert final.status_code in (302, 303), final.text[:500]
    return request, final.headers["location"]


def test_a_native_client_gets_its_code_on_the_port_of_the_request(components, browser, portal):
    client = _native_client(components)
    request, location = _code_at(components, browser, client, EPHEMERAL)
    assert location.startswith(EPHEMERAL + "?")
    code = query_of(location)["code"]
    response = redeem(
        portal, code, request.verifier, client.client_id, None, redirect_uri=EPHEMERAL
    )
    assert response.status_code == 200, response.text
    assert "id_token" in response.json()


@pytest.mark.parametrize("redirect_uri", ["http://127.0.0.1:53128/cb", REGISTERED])
def test_a_native_clients_code_is_refused_with_another_port_at_the_token_endpoint(
    components, browser, portal, redirect_uri
):
    client = _native_client(components)
    request, location = _code_at(components, browser, client, EPHEMERAL)
    code = query_of(location)["code"]
    response = redeem(
        portal, code, request.verifier, client.client_id, None, redirect_uri=redirect_uri
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_native_client_without_pkce_is_answered_on_its_port_with_invalid_request(
    components, browser
):
    client = _native_client(components)
    request = authorization_request(
        client.client_id, redirect_uri=EPHEMERAL, code_challenge="", code_challenge_method=""
    )
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 302
    assert response.headers["location"].startswith(EPHEMERAL + "?")
    result = query_of(response.headers["location"])
    assert result["error"] == "invalid_request"
    assert "code_challenge" in result["error_description"]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:53127/other",
        "http://[::1]:53127/cb",
        "http://localhost:53127/cb",
        "https://127.0.0.1:53127/cb",
    ],
)
def test_a_native_clients_loopback_uri_on_another_path_or_host_shows_a_page(
    components, browser, redirect_uri
):
    client = _native_client(components)
    request = authorization_request(client.client_id, redirect_uri=redirect_uri)
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers


def test_a_web_clients_loopback_uri_on_another_port_shows_a_page(components, browser):
    client, _ = make_client(components, redirect_uris=["http://127.0.0.1:8101/cb"])
    request = authorization_request(client.client_id, redirect_uri="http://127.0.0.1:9999/cb")
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 400
    assert "location" not in response.headers
