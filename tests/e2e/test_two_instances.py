"""Two `idp serve` processes sharing PostgreSQL and Redis behave as one provider."""

from __future__ import annotations

import secrets
import time

import pytest

from tests.e2e.fixtures import server_env
from tests.e2e.servers import IdpProcess, browser_client, new_port
from tests.idp.flows import authorization_request, follow_to_redirect_uri, sign_in

pytestmark = pytest.mark.e2e
REDIRECT = "https://portal.example/callback"


def _pair(backend, tmp_path_factory, smtp_url):
    if not backend.is_real:
        pytest.skip("two instances share state only through PostgreSQL and Redis")
    folder = tmp_path_factory.mktemp("two")
    database_url = backend.fresh_database_url(folder)
    port_a, port_b = new_port(), new_port()
    while port_b == port_a:
        port_b = new_port()
    issuer = f"http://localhost:{port_a}"  # one public issuer, as behind a load balancer
    env = server_env(backend, folder, database_url, issuer, smtp_url)
    a = IdpProcess(env, port_a).start(folder)
    b = IdpProcess(env, port_b).start(folder)
    return a, b


@pytest.fixture(scope="module")
def two_instances(backend, tmp_path_factory, smtp_inbox):
    a, b = _pair(backend, tmp_path_factory, smtp_inbox[0])
    yield a, b
    a.stop()
    b.stop()


@pytest.fixture
def separate_instances(backend, tmp_path_factory, smtp_inbox):
    """A pair of its own: a test that uses up the sign-in budget of 127.0.0.1 must not
    leave the other tests of the module rate-limited (they run in random order)."""
    a, b = _pair(backend, tmp_path_factory, smtp_inbox[0])
    yield a, b
    a.stop()
    b.stop()


def test_code_from_one_instance_is_redeemed_at_the_other_and_tokens_are_shared(two_instances):
    a, b = two_instances
    email = f"two-{secrets.token_hex(4)}@example.ca"
    a.cli("users", "create", "--email", email, "--password", "two long password", "--name", "Two")
    client = a.cli(
        "clients",
        "create",
        "--name",
        f"Two {secrets.token_hex(3)}",
        "--redirect-uri",
        REDIRECT,
        "--first-party",
    )
    auth = (client["client_id"], client["client_secret"])
    request = authorization_request(str(client["client_id"]))
    with browser_client(a.url) as browser:
        first = browser.get("/authorize?" + request.query)
        final = follow_to_redirect_uri(
            browser, sign_in(browser, first.headers["location"], email, "two long password")
        )
    assert final.status_code in (302, 303), (
        final.status_code,
        str(final.url),
        final.text[:1500],
        a.log.read_text()[-3000:] if a.log else "",
    )
    code = final.headers["location"].split("code=")[1].split("&")[0]
    with browser_client(b.url) as portal_b, browser_client(a.url) as portal_a:
        tokens = portal_b.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": request.verifier,
            },
            auth=auth,
        )
        assert tokens.status_code == 200, tokens.text
        access = tokens.json()["access_token"]
        # Issued via B, introspected at A (the second time from A's memory: the fast lane),
        # revoked at B, inactive at A at once.
        for _ in range(2):
            answer = portal_a.post("/introspect", data={"token": access}, auth=auth)
            assert answer.json()["active"] is True
        assert portal_b.post("/revoke", data={"token": access}, auth=auth).status_code == 200
        assert portal_a.post("/introspect", data={"token": access}, auth=auth).json() == {
            "active": False
        }
        # A code redeemed at B cannot be redeemed again at A.
        again = portal_a.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": request.verifier,
            },
            auth=auth,
        )
        assert again.json()["error"] == "invalid_grant"


def test_key_rotated_at_one_instance_is_served_by_both(two_instances):
    """Each instance re-reads the keys in the background at most every 5 s (idp.oidc.jwks),
    so both publish the rotation within seconds."""
    a, b = two_instances

    def kids(client):
        return {k["kid"] for k in client.get("/jwks").json()["keys"]}

    with browser_client(a.url) as client_a, browser_client(b.url) as client_b:
        before = kids(client_b)
        a.cli("keys", "rotate", "--min-published-seconds", "0")
        deadline = time.monotonic() + 15
        while (kids(client_a) != kids(client_b) or kids(client_b) == before) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.5)
        after_a, after_b = kids(client_a), kids(client_b)
    assert after_a == after_b
    assert after_b - before


def test_tokens_signed_after_rotation_verify_on_both(two_instances):
    a, b = two_instances
    client = a.cli(
        "clients",
        "create",
        "--name",
        f"Svc {secrets.token_hex(3)}",
        "--grant-type",
        "client_credentials",
    )
    auth = (client["client_id"], client["client_secret"])
    a.cli("keys", "rotate", "--min-published-seconds", "0")  # fresh JWKS reads here
    time.sleep(0.1)
    with browser_client(a.url) as client_a, browser_client(b.url) as client_b:
        token = client_a.post("/token", data={"grant_type": "client_credentials"}, auth=auth).json()
        assert (
            client_b.post("/introspect", data={"token": token["access_token"]}, auth=auth).json()[
                "active"
            ]
            is True
        )


def test_failed_sign_ins_are_counted_across_instances(separate_instances):
    a, b = separate_instances
    email = f"brute-{secrets.token_hex(4)}@example.ca"
    a.cli("users", "create", "--email", email, "--password", "two long password", "--name", "B")

    def attempt(instance, password):
        with browser_client(instance.url) as browser:
            page = browser.get("/login")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            return browser.post(
                "/login", data={"email": email, "password": password, "csrf_token": token}
            )

    statuses = [attempt(a if i % 2 else b, "wrong password!!").status_code for i in range(10)]
    assert statuses == [401] * 10
    blocked = attempt(b, "two long password")
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


def test_a_portals_own_token_revoked_at_one_instance_is_inactive_at_the_other(two_instances):
    """client_credentials and introspection answered from memory (the fast lane) on both
    processes still see a revocation made by the other at once (the generation in Redis)."""
    a, b = two_instances
    client = a.cli(
        "clients",
        "create",
        "--name",
        f"Service {secrets.token_hex(3)}",
        "--grant-type",
        "client_credentials",
        "--scope",
        "applications:write",
    )
    auth = (client["client_id"], client["client_secret"])
    with browser_client(a.url) as portal_a, browser_client(b.url) as portal_b:
        tokens = [
            portal_a.post("/token", data={"grant_type": "client_credentials"}, auth=auth)
            for _ in range(3)  # the service grant written, read back, then remembered
        ]
        assert all(t.status_code == 200 for t in tokens), tokens[-1].text
        access = tokens[-1].json()["access_token"]
        for _ in range(3):
            answer = portal_b.post("/introspect", data={"token": access}, auth=auth).json()
            assert answer["active"] is True
        assert portal_a.post("/revoke", data={"token": access}, auth=auth).status_code == 200
        assert portal_b.post("/introspect", data={"token": access}, auth=auth).json() == {
            "active": False
        }
