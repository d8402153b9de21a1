"""What a person does with a browser across the sample portal and Passerelle.

One httpx "browser" (tests/e2e/servers.py `browser_client`) visits both: its base URL is
the provider's, so the provider's relative redirects work, and the portal is reached by
absolute URLs, as a browser would follow them.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from tests.e2e.servers import IdpProcess
from tests.idp.flows import csrf_of, enable_totp, follow_to_redirect_uri, sign_in

PASSWORD = "sample portal long password"


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    sub: str


def create_person(provider: IdpProcess, name: str, locale: str = "en") -> Person:
    email = f"{name.split()[0].lower()}-{secrets.token_hex(4)}@example.ca"
    created = provider.cli(
        "users", "create", "--email", email, "--password", PASSWORD, "--name", name,
        "--locale", locale,
    )  # fmt: skip
    return Person(email, name, str(created["sub"]))


def follow_authorization(
    browser: httpx.Client, authorize_url: str, person: Person, recovery_code: str | None = None
) -> str:
    """Open an authorization request, sign in if asked (with a recovery code as second
    factor, for someone who set one up), consent; return where Passerelle sends the
    browser back (the portal's redirect URI with `code`, `state`, `iss`)."""
    response = browser.get(authorize_url)
    if response.status_code == 303 and response.headers["location"].startswith("/login"):
        response = sign_in(browser, response.headers["location"], person.email, PASSWORD)
    if response.headers.get("location") == "/login/second-factor" and recovery_code:
        page = browser.get("/login/second-factor?method=recovery")
        response = browser.post(
            "/login/second-factor",
            data={"method": "recovery", "code": recovery_code, "csrf_token": csrf_of(page)},
        )
    final = follow_to_redirect_uri(browser, response)
    assert final.status_code in (302, 303), final.text[-800:]
    return str(final.headers["location"])


def sign_in_at_portal(
    browser: httpx.Client, portal_url: str, person: Person, recovery_code: str | None = None
) -> httpx.Response:
    """Portal → provider (sign in, consent) → portal callback; return the portal's home."""
    start = browser.get(f"{portal_url}/login")
    assert start.status_code == 303, start.text
    callback = follow_authorization(browser, start.headers["location"], person, recovery_code)
    assert callback.startswith(f"{portal_url}/callback?"), callback
    done = browser.get(callback)
    assert done.status_code == 303, done.text
    return browser.get(f"{portal_url}/")


def portal_csrf(browser: httpx.Client, portal_url: str) -> str:
    return csrf_of(browser.get(f"{portal_url}/"))


def is_signed_in_at_portal(browser: httpx.Client, portal_url: str) -> bool:
    return 'id="signed-in"' in browser.get(f"{portal_url}/").text


def wait_until(condition: Callable[[], bool], timeout_seconds: float = 10) -> bool:
    """The outbox dispatcher delivers within about a second; allow for a slow machine."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no element {element_id}"
    return match.group(1)


def appoint(
    browser: httpx.Client, representative: Person, number: str, actions: list[str]
) -> list[str]:
    """The applicant, signed in at Passerelle, appoints a representative for one
    application: a second factor first (TOTP set up now, then a recovery code for the
    step-up), then the appointment form. Returns the recovery codes still unused."""
    _, recovery_codes = enable_totp(browser, time.time())
    _step_up_with_a_recovery_code(browser, recovery_codes[0], "/account/representatives/new")
    form = browser.get("/account/representatives/new")
    (application_id,) = re.findall(
        rf'name="applications" value="(\w+)"[^>]*>\s*<label[^>]*>[^<]*{number}', form.text
    )
    granted = browser.post(
        "/account/representatives/new",
        data={
            "email": representative.email,
            "kind": "representative_unpaid",
            "applications": application_id,
            "actions": actions,
            "valid_until": (datetime.now(UTC) + timedelta(days=90)).date().isoformat(),
            "csrf_token": csrf_of(form),
        },
    )
    assert granted.headers["location"] == "/account/representatives?notice=granted"
    return recovery_codes[1:]


def _step_up_with_a_recovery_code(browser: httpx.Client, code: str, return_to: str) -> None:
    start = browser.get(f"/account/step-up?return={return_to}")
    assert start.headers["location"] == "/login/second-factor"
    page = browser.get("/login/second-factor?method=recovery")
    done = browser.post(
        "/login/second-factor",
        data={"method": "recovery", "code": code, "csrf_token": csrf_of(page)},
    )
    assert done.headers["location"] == return_to, done.text[-800:]


def accept_appointment(browser: httpx.Client) -> None:
    """The representative, signed in at Passerelle, accepts the one appointment waiting."""
    mine = browser.get("/account/delegations")
    (delegation_id,) = re.findall(r"/account/delegations/([0-9a-f]{32})/accept", mine.text)
    accepted = browser.post(
        f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(mine)}
    )
    assert accepted.headers["location"] == "/account/delegations?notice=accepted"


def revoke_appointment(browser: httpx.Client) -> None:
    """The applicant revokes their one representative."""
    listing = browser.get("/account/representatives")
    (delegation_id,) = set(
        re.findall(r"/account/representatives/([0-9a-f]{32})/revoke", listing.text)
    )
    revoked = browser.post(
        f"/account/representatives/{delegation_id}/revoke", data={"csrf_token": csrf_of(listing)}
    )
    assert revoked.headers["location"] == "/account/representatives?notice=revoked"
