"""The soak's traffic: a worker thread's mix of sign-ins, refreshes, introspections,
portal decisions, application registrations, revocations and deliberately invalid token
requests against both instances in turn, and the tally of what was done, failed and
written."""

from __future__ import annotations

import base64
import itertools
import json
import random
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from soak_stack import PASSWORD, REDIRECT, Stack

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the test suite's server helpers, run from a checkout

from tests.e2e.servers import browser_client  # noqa: E402
from tests.idp.flows import (  # noqa: E402
    authorization_request,
    follow_to_redirect_uri,
    query_of,
    sign_in,
)

PORTAL_TOKEN_SECONDS = 300  # renewed before its 600 s lifetime ends
ACTIONS = {  # action: weight
    "sign_in": 1,
    "refresh": 3,
    "introspect": 4,
    "decision": 3,
    "register": 2,
    "revoke": 1,
    "invalid": 1,
}


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    deliberate: Counter[str] = field(default_factory=Counter)
    applications: list[str] = field(default_factory=list)
    live_refresh: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)

    def count(self, action: str, error: str | None = None) -> None:
        with self.lock:
            self.done[action] += 1
            if error is not None:
                self.errors[f"{action}: {error}"] += 1

    def accepted_application(self, number: str) -> None:
        with self.lock:
            self.applications.append(number)

    def revoked_token(self, token: str) -> None:
        with self.lock:
            self.revoked.append(token)

    def add_tokens(self, tokens: list[str]) -> None:
        with self.lock:
            self.live_refresh.extend(tokens)

    def refused_as_expected(self) -> None:
        with self.lock:
            self.deliberate["refused"] += 1


class Worker:
    """One thread of traffic; its refresh tokens are its own (rotation is single-use)."""

    def __init__(self, n: int, stack: Stack, tally: Tally) -> None:
        self.stack, self.tally = stack, tally
        self.rng = random.Random(n)  # noqa: S311  # the traffic mix, not secrets
        self.clients = [browser_client(url) for url in stack.urls]
        self.turn = itertools.cycle(range(len(self.clients)))
        self.auth = (stack.client_id, stack.client_secret)
        self.grants: list[tuple[str, str]] = []  # (refresh token, newest access token)
        self.subjects: list[str] = []
        self.portal = ("", 0.0)  # token, when it was obtained
        self.prefix = f"S{n}-{uuid.uuid4().hex[:6]}-"
        self.numbers = itertools.count()

    def http(self) -> httpx.Client:
        return self.clients[next(self.turn)]

    def run(self, deadline: float, iterations: int) -> None:
        names, weights = list(ACTIONS), list(ACTIONS.values())
        self.act("sign_in")
        for _ in range(iterations):
            if time.monotonic() >= deadline:
                break
            self.act(self.rng.choices(names, weights)[0])
        self.tally.add_tokens([refresh for refresh, _ in self.grants])
        for client in self.clients:
            client.close()

    def act(self, action: str) -> None:
        step: Callable[[], str | None] = getattr(self, action)
        try:
            error = step()
        except httpx.HTTPError as failure:
            error = type(failure).__name__
        self.tally.count(action, error)

    def sign_in(self) -> str | None:
        browser = self.http()
        browser.cookies.clear()
        request = authorization_request(self.stack.client_id, redirect_uri=REDIRECT)
        first = browser.get("/authorize?" + request.query)
        if first.status_code != 303:
            return f"authorize HTTP {first.status_code}"
        email = self.rng.choice(self.stack.emails)
        signed_in = sign_in(browser, first.headers["location"], email, PASSWORD)
        code = query_of(follow_to_redirect_uri(browser, signed_in).headers.get("location", ""))
        if "code" not in code:
            return "sign-in gave no code"
        form = {"grant_type": "authorization_code", "code": code["code"]}
        form |= {"redirect_uri": REDIRECT, "code_verifier": request.verifier}
        return self._keep_tokens(self.http().post("/token", data=form, auth=self.auth))

    def _keep_tokens(self, answer: httpx.Response) -> str | None:
        if answer.status_code != 200:
            return f"token HTTP {answer.status_code}"
        body = answer.json()
        self.grants.append((body["refresh_token"], body["access_token"]))
        if "id_token" in body:
            self.subjects.append(_claims(body["id_token"])["sub"])
        return None

    def refresh(self) -> str | None:
        if not self.grants:
            return self.sign_in()
        token, _ = self.grants.pop(self.rng.randrange(len(self.grants)))
        form = {"grant_type": "refresh_token", "refresh_token": token}
        return self._keep_tokens(self.http().post("/token", data=form, auth=self.auth))

    def introspect(self) -> str | None:
        if not self.grants:
            return self.sign_in()
        form = {"token": self.rng.choice(self.grants)[1]}
        answer = self.http().post("/introspect", data=form, auth=self.auth)
        if answer.status_code != 200 or answer.json().get("active") is not True:
            return f"HTTP {answer.status_code} active={answer.json().get('active')}"
        return None

    def _portal_token(self) -> str:
        token, at = self.portal
        if not token or time.monotonic() - at > PORTAL_TOKEN_SECONDS:
            form = {
                "grant_type": "client_credentials",
                "scope": "applications:write delegations:read",
            }
            answer = self.http().post("/token", data=form, auth=self.auth)
            token = answer.json()["access_token"]
            self.portal = (token, time.monotonic())
        return token

    def decision(self) -> str | None:
        body = {
            "actor_sub": self.rng.choice(self.subjects or ["nobody"]),
            "action": "application.read",
            "application_number": self.rng.choice(self.tally.applications or ["none"]),
        }
        headers = {"Authorization": f"Bearer {self._portal_token()}"}
        answer = self.http().post("/api/decisions", json=body, headers=headers)
        return None if answer.status_code == 200 else f"HTTP {answer.status_code}"

    def register(self) -> str | None:
        if not self.subjects:
            return self.sign_in()
        number = f"{self.prefix}{next(self.numbers)}"
        body = {
            "application_number": number,
            "program": "Study permit",
            "status": "received",
            "applicant": {"sub": self.rng.choice(self.subjects)},
        }
        headers = {"Authorization": f"Bearer {self._portal_token()}"}
        answer = self.http().post("/api/applications", json=body, headers=headers)
        if answer.status_code != 201:
            return f"HTTP {answer.status_code}"
        self.tally.accepted_application(number)
        return None

    def revoke(self) -> str | None:
        if not self.grants:
            return self.sign_in()
        token, _ = self.grants.pop(self.rng.randrange(len(self.grants)))  # its access token too
        answer = self.http().post("/revoke", data={"token": token}, auth=self.auth)
        if answer.status_code != 200:
            return f"HTTP {answer.status_code}"
        self.tally.revoked_token(token)
        return None

    def invalid(self) -> str | None:
        """A deliberately invalid request: a made-up code must be refused as invalid_grant."""
        form = {
            "grant_type": "authorization_code",
            "code": uuid.uuid4().hex,
            "redirect_uri": REDIRECT,
        }
        answer = self.http().post("/token", data=form, auth=self.auth)
        if answer.status_code == 400 and answer.json().get("error") == "invalid_grant":
            self.tally.refused_as_expected()
            return None
        return f"not refused: HTTP {answer.status_code}"


def _claims(token: str) -> dict[str, str]:
    payload = token.split(".")[1]
    data: dict[str, str] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data
