"""Rows for tests, made through the real services (no hand-built rows)."""

from __future__ import annotations

import itertools
from typing import Any

from idp.accounts.models import Account
from idp.accounts.service import create_account
from idp.oauth.clients import RegisteredClient, create_client
from idp.runtime import Runtime

_n = itertools.count()
DEFAULT_PASSWORD = "a perfectly long passphrase"
REDIRECT_URI = "https://portal.example/callback"
LOGOUT_URI = "https://portal.example/signed-out"


def make_account(runtime: Runtime, **fields: Any) -> Account:
    n = next(_n)
    values: dict[str, Any] = {
        "email": f"person{n}@example.ca",
        "password": DEFAULT_PASSWORD,
        "name": f"Person {n}",
        "email_verified": True,
    }
    values.update(fields)
    with runtime.transaction() as db:
        return create_account(db, runtime.passwords, now=runtime.clock.now(), **values)


def make_client(runtime: Runtime, **fields: Any) -> tuple[RegisteredClient, str | None]:
    n = next(_n)
    values: dict[str, Any] = {
        "name": f"Portal {n}",
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": [LOGOUT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "auth_method": "client_secret_basic",
    }
    values.update(fields)
    with runtime.transaction() as db:
        return create_client(db, now=runtime.clock.now(), **values)
