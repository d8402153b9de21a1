"""No secret reaches the logs (issue 7 item 18, issue 10 must-show 9): a real `idp serve`
at debug level is driven through registration with an emailed code, sign-in, token,
refresh, introspection, an invitation link and a logout with `id_token_hint`; every
secret made on the way is then looked for in everything the server and the CLI logged.
Every log line is JSON and carries the request id when it was written for a request."""

from __future__ import annotations

import json
import re
import secrets
from urllib.parse import urlencode

import pytest

from tests.e2e.fixtures import backend_inbox, server_env
from tests.e2e.servers import IdpProcess, browser_client, new_port
from tests.idp.flows import (
    COOKIES,
    authorization_request,
    csrf_of,
    follow_to_redirect_uri,
    query_of,
    sign_in,
)

pytestmark = pytest.mark.e2e
REDIRECT = "https://portal.example/callback"
LOGOUT_REDIRECT = "https://portal.example/signed-out"
CODE = re.compile(r"^(\d{8})\s*$", re.M)


class Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def keep(self, name: str, value: str) -> str:
        self.values[name] = value
        if value.count(".") == 2:  # a JWT: its signature alone must not leak either
            self.values[name + " signature"] = value.rsplit(".", 1)[1]
        return value


@pytest.fixture
def debug_server(backend, tmp_path, request):
    inbox = backend_inbox(backend, request)
    smtp_url = request.getfixturevalue("smtp_inbox")[0] if inbox is not None else ""
    port = new_port()
    env = server_env(
        backend,
        tmp_path,
        backend.fresh_database_url(tmp_path),
        f"http://localhost:{port}",
        smtp_url,
    )
    env["IDP_LOG_LEVEL"] = "debug"
    server = IdpProcess(env, port, inbox=inbox).start(tmp_path)
    yield server
    server.stop()


def _code(server: IdpProcess, email: str) -> str:
    return CODE.findall(server.mail_texts(email)[0])[0]


def _register(server: IdpProcess, kept: Secrets, email: str, password: str) -> None:
    with browser_client(server.url) as browser:
        page = browser.get("/register")
        form = {"name": "Léa Roy", "email": email, "password": password}
        browser.post("/register", data={**form, "csrf_token": kept.keep("csrf", csrf_of(page))})
        code = kept.keep("email code", _code(server, email))
        verify = browser.get("/register")
        answer = browser.post(
            "/register/verify", data={"email": email, "code": code, "csrf_token": csrf_of(verify)}
        )
        assert answer.status_code in (200, 303), answer.text[:500]


def _tokens(server: IdpProcess, kept: Secrets, email: str, password: str) -> dict[str, str]:
    client = server.cli(
        "clients",
        "create",
        "--name",
        f"Logs {secrets.token_hex(3)}",
        "--redirect-uri",
        REDIRECT,
        "--post-logout-redirect-uri",
        LOGOUT_REDIRECT,
        "--first-party",
    )
    client_id, secret = (
        str(client["client_id"]),
        kept.keep("client secret", str(client["client_secret"])),
    )
    request = authorization_request(client_id)
    kept.keep("code verifier", request.verifier)
    with browser_client(server.url) as browser:
        first = browser.get("/authorize?" + request.query)
        signed_in = sign_in(browser, first.headers["location"], email, password)
        kept.keep("session cookie", browser.cookies.get(COOKIES.session) or "absent")
        final = follow_to_redirect_uri(browser, signed_in)
        code = kept.keep("authorization code", query_of(final.headers["location"])["code"])
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": request.verifier,
        }
        tokens = browser.post("/token", data=data, auth=(client_id, secret)).json()
        for name in ("access_token", "refresh_token", "id_token"):
            kept.keep(name, tokens[name])
        refreshed = browser.post(
            "/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(client_id, secret),
        ).json()
        kept.keep("refreshed access token", refreshed["access_token"])
        kept.keep("rotated refresh token", refreshed["refresh_token"])
        active = browser.post(
            "/introspect", data={"token": refreshed["access_token"]}, auth=(client_id, secret)
        ).json()
        assert active["active"] is True
        logout = browser.get(
            "/logout?"
            + urlencode(
                {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGOUT_REDIRECT}
            )
        )
        assert logout.status_code in (200, 303), logout.text[:300]
    return tokens


def _invitation(server: IdpProcess, kept: Secrets) -> None:
    invitee = f"invitee-{secrets.token_hex(3)}@example.ca"
    server.cli("invitations", "create", "--email", invitee)
    link = re.findall(r"https?://\S+/invitations/accept\?token=\S+", server.mail_texts(invitee)[0])[
        0
    ]
    kept.keep("invitation token", link.split("token=", 1)[1])
    with browser_client(server.url) as browser:
        assert browser.get(link.split(server.url.split("//")[1], 1)[-1]).status_code == 200


def test_a_full_run_logs_none_of_the_secrets_it_made(debug_server):
    kept = Secrets()
    email = f"logs-{secrets.token_hex(4)}@example.ca"
    password = kept.keep("password", f"pw {secrets.token_urlsafe(12)} long")
    _register(debug_server, kept, email, password)
    _tokens(debug_server, kept, email, password)
    _invitation(debug_server, kept)
    debug_server.stop()
    log = debug_server.log.read_text()
    leaked = sorted(name for name, value in kept.values.items() if value in log)
    assert leaked == [], leaked
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]
    access = [line for line in lines if line.get("event") == "request"]
    assert {"/register", "/authorize", "/token", "/introspect", "/logout"} <= {
        line["route"] for line in access
    }
    assert all(line.get("request_id") for line in access)
