"""The authorization-code flow as a browser and a portal run it, over `harness.Http`, and
the accounts and portals it needs, made with the CLI.

A sign-in starts from a fresh browser (no cookies): the authorization request, the
sign-in page, the password, the consent page when shown, the code; the portal then
redeems it with PKCE (S256) at /token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from harness import Answer, Http, idp_cli

REDIRECT_URI = "https://portal.example/callback"
PASSWORD = "bench long password 0123"  # noqa: S105  # a throwaway account of the bench
MAX_FLOW_STEPS = 10


@dataclass(frozen=True)
class Portal:
    client_id: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.client_id, self.secret)


class FlowError(RuntimeError):
    """The provider answered something a sign-in does not expect."""


def _hidden(html: str, name: str) -> str:
    marker = f'name="{name}" value="'
    start = html.find(marker)
    if start < 0:
        raise FlowError(f"no hidden field {name!r} in the page")
    start += len(marker)
    return html[start : html.index('"', start)]


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _expect(answer: Answer, *statuses: int) -> Answer:
    if answer.status not in statuses:
        raise FlowError(f"HTTP {answer.status}: {answer.text[:300]}")
    return answer


def sign_in_for_code(
    browser: Http, portal: Portal, email: str, scope: str, **params: str
) -> tuple[str, str]:
    """A fresh browser: authorize page, password, consent; returns (code, PKCE verifier)."""
    browser.cookies.clear()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    query = {
        "response_type": "code",
        "client_id": portal.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
        **params,
    }
    answer = _expect(browser.get("/authorize?" + urlencode(query)), 302, 303)
    for _ in range(MAX_FLOW_STEPS):
        location = answer.header("location") or ""
        if answer.status in (302, 303) and location.startswith(REDIRECT_URI):
            found = _query(location)
            if "code" not in found:
                raise FlowError(f"no code: {found.get('error')} {found.get('error_description')}")
            return found["code"], verifier
        if answer.status in (302, 303):
            answer = browser.get(location.removeprefix(browser.base))
            continue
        page = _expect(answer, 200).text
        if 'name="password"' in page:
            answer = browser.post(
                "/login",
                {
                    "email": email,
                    "password": PASSWORD,
                    "interaction": _hidden(page, "interaction"),
                    "csrf_token": _hidden(page, "csrf_token"),
                },
            )
        elif 'name="decision"' in page:
            answer = browser.post(
                "/authorize/consent",
                {
                    "interaction": _hidden(page, "interaction"),
                    "decision": "allow",
                    "csrf_token": _hidden(page, "csrf_token"),
                },
            )
        else:
            raise FlowError(f"unexpected page: {page[:300]}")
    raise FlowError(f"no code after {MAX_FLOW_STEPS} steps")


def redeem_code(http: Http, portal: Portal, code: str, verifier: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    tokens: dict[str, Any] = _expect(http.post("/token", form, auth=portal.auth), 200).json()
    return tokens


def tokens_for(http: Http, portal: Portal, email: str, scope: str) -> dict[str, Any]:
    code, verifier = sign_in_for_code(http, portal, email, scope)
    return redeem_code(http, portal, code, verifier)


def create_portal(env: dict[str, str], name: str, *grant_types: str, scope: str = "") -> Portal:
    args = ["clients", "create", "--name", name, "--redirect-uri", REDIRECT_URI]
    for grant_type in grant_types:
        args += ["--grant-type", grant_type]
    if scope:
        args += ["--scope", scope]
    data = idp_cli(env, *args)
    return Portal(data["client_id"], data["client_secret"])


def create_account(env: dict[str, str], email: str, name: str = "Bench Person") -> str:
    """A password account through the CLI; returns its `sub`."""
    data = idp_cli(env, "users", "create", "--email", email, "--password", PASSWORD, "--name", name)
    return str(data.get("subject") or data.get("sub") or "")
