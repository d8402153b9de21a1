"""End to end over a real server on loopback, with authlib's OAuth client as the portal."""

from __future__ import annotations

import secrets

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.e2e.servers import browser_client
from tests.idp.flows import follow_to_redirect_uri, query_of, sign_in

pytestmark = pytest.mark.e2e
REDIRECT = "https://portal.example/callback"


@pytest.fixture(scope="module")
def portal_registration(idp_server):
    email = f"e2e-{secrets.token_hex(4)}@example.ca"
    idp_server.cli(
        "users",
        "create",
        "--email",
        email,
        "--password",
        "e2e long password",
        "--name",
        "Émilie Tremblay",
        "--locale",
        "fr",
    )
    client = idp_server.cli(
        "clients",
        "create",
        "--name",
        f"E2E Portal {secrets.token_hex(3)}",
        "--redirect-uri",
        REDIRECT,
        "--grant-type",
        "authorization_code",
        "--grant-type",
        "refresh_token",
    )
    return email, client


def test_authlib_client_signs_in_refreshes_and_reads_userinfo(idp_server, portal_registration):
    email, registration = portal_registration
    with browser_client(idp_server.url) as anonymous:
        metadata = anonymous.get("/.well-known/openid-configuration").json()
        keys = KeySet.import_key_set(anonymous.get("/jwks").json())
    portal = OAuth2Client(
        client_id=registration["client_id"],
        client_secret=registration["client_secret"],
        redirect_uri=REDIRECT,
        scope="openid profile email offline_access",
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = portal.create_authorization_url(
        metadata["authorization_endpoint"],
        code_verifier=verifier,
        nonce="n-0S6_WzA2Mj",
        ui_locales="fr",
    )
    with browser_client(idp_server.url) as browser:
        first = browser.get(url.removeprefix(idp_server.url))
        assert first.status_code == 303, first.text
        login = browser.get(first.headers["location"])
        assert '<html lang="fr">' in login.text  # ui_locales honoured on the sign-in page
        final = follow_to_redirect_uri(
            browser, sign_in(browser, first.headers["location"], email, "e2e long password")
        )
    assert final.status_code in (302, 303), (final.status_code, final.text.split("<main")[-1][:800])
    callback = final.headers["location"]
    assert query_of(callback)["iss"] == metadata["issuer"]
    token = portal.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
        state=state,
    )
    id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims
    assert id_token["iss"] == metadata["issuer"]
    assert id_token["nonce"] == "n-0S6_WzA2Mj"
    assert id_token["locale"] == "fr"
    info = portal.get(metadata["userinfo_endpoint"]).json()
    assert info["sub"] == id_token["sub"]
    assert info["name"] == "Émilie Tremblay"
    refreshed = portal.refresh_token(
        metadata["token_endpoint"], refresh_token=token["refresh_token"]
    )
    assert refreshed["refresh_token"] != token["refresh_token"]
    portal.close()


def test_cli_writes_while_the_server_runs(idp_server):
    listed = idp_server.cli("clients", "list")
    assert isinstance(listed, list)
