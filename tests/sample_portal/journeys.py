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
from urllib.parse import urlsplit

import httpx

from tests.e2e.servers import IdpProcess
from tests.idp.flows import csrf_of, follow_to_redirect_uri, sign_in

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


def sign_in_at_portal(browser: httpx.Client, portal_url: str, person: Person) -> httpx.Response:
    """Portal → provider (sign in, consent) → portal callback; return the portal's home."""
    start = browser.get(f"{portal_url}/login")
    assert start.status_code == 303, start.text
    response = browser.get(start.headers["location"])
    if response.status_code == 303 and response.headers["location"].startswith("/login"):
        response = sign_in(browser, response.headers["location"], person.email, PASSWORD)
    final = follow_to_redirect_uri(browser, response)
    callback = final.headers["location"]
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


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no element {element_id}"
    return match.group(1)
