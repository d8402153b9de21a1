"""Rows for tests, made through the real services (no hand-built rows)."""

from __future__ import annotations

import itertools
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import event
from sqlalchemy.orm import Session

from consent import Action, Delegation, DelegationKind, DelegationRequest
from idp.accounts.models import Account
from idp.accounts.service import create_account
from idp.bootstrap import Components
from idp.clients.service import RegisteredClient, create_client
from idp.db import unit_of_work
from idp.delegation import service as delegation_service
from idp.oauth.consents import record_consent

_n = itertools.count()
DEFAULT_PASSWORD = "a perfectly long passphrase"
REDIRECT_URI = "https://portal.example/callback"
LOGOUT_URI = "https://portal.example/signed-out"


@contextmanager
def transaction(components: Components) -> Iterator[Session]:
    """One unit of work on the service's database, as the CLI runs one."""
    with unit_of_work(components.session_factory) as db:
        yield db


@contextmanager
def statements(components: Components) -> Iterator[list[str]]:
    """The SQL statements the service sends while the block runs."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(components.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(components.engine, "before_cursor_execute", note)


def make_account(components: Components, **fields: Any) -> Account:
    n = next(_n)
    values: dict[str, Any] = {
        "email": f"person{n}@example.ca",
        "password": DEFAULT_PASSWORD,
        "name": f"Person {n}",
        "email_verified": True,
    }
    values.update(fields)
    with transaction(components) as db:
        return create_account(db, components.passwords, now=components.clock.now(), **values)


def make_client(components: Components, **fields: Any) -> tuple[RegisteredClient, str | None]:
    n = next(_n)
    values: dict[str, Any] = {
        "name": f"Portal {n}",
        "redirect_uris": [REDIRECT_URI],
        "post_logout_redirect_uris": [LOGOUT_URI],
        "grant_types": ["authorization_code", "refresh_token"],
        "auth_method": "client_secret_basic",
    }
    values.update(fields)
    with transaction(components) as db:
        return create_client(db, now=components.clock.now(), **values)


def make_profile_client(
    components: Components, slug: str, folder: Path | None = None
) -> tuple[RegisteredClient, str | None]:
    """The client of a portal profile (a shipped one unless `folder` says where), registered
    as `idp portals sync` does."""
    from adapters.portals import load_portal_profile
    from adapters.portals.loader import PROFILES_FOLDER
    from idp.clients.service import find_client
    from idp.clients.sync import sync_portal_profiles

    profile = load_portal_profile((folder or PROFILES_FOLDER) / f"{slug}.toml")
    with transaction(components) as db:
        (result,) = sync_portal_profiles(db, [profile], components.clock.now())
        client = find_client(db, str(result.client_id))
    assert client is not None
    return client, result.client_secret


def connect(components: Components, account: Account, client: RegisteredClient) -> None:
    """The person has signed in to this portal once (their consent to it is remembered)."""
    with transaction(components) as db:
        record_consent(db, account.id, client.client_id, "openid", components.clock.now())


def make_representative(components: Components, account: Account, **fields: Any) -> str:
    """Record `account` as an approved representative (what an approval writes); return
    the representative ID."""
    from idp.representatives.service import (
        ApprovedProfile,
        RepresentativeType,
        record_approval,
    )

    values: dict[str, Any] = {
        "representative_type": RepresentativeType.CICC,
        "legal_name": account.name,
        "membership_body": "cicc",
        "membership_number": "R712345",
        "firm": "Sandhu Immigration",
        "contact_email": "office@sandhu.example",
        "phone": "+1 613 555 0100",
        "address": {
            "street_address": "100 Wellington Street",
            "locality": "Ottawa",
            "region": "Ontario",
            "postal_code": "K1A 0A9",
            "country": "Canada",
        },
        "enrolment_reference": "EN-TEST-0001",
        "evidence": [
            {"type": "passport", "issuer": "Canada", "expiry": "2031-05-01"},
            {"type": "driving_permit", "issuer": "Ontario", "expiry": "2029-09-30"},
        ],
    }
    values.update(fields)
    with transaction(components) as db:
        stored = db.get(Account, account.id)
        record = record_approval(
            db, stored, ApprovedProfile(**values), by="officer", now=components.clock.now()
        )
        return record.representative_id


def grant_delegation(
    components: Components,
    applicant: Account,
    representative: Account,
    application_ids: Sequence[str],
    *,
    kind: DelegationKind = DelegationKind.REPRESENTATIVE_UNPAID,
    actions: Sequence[Action] = (Action.APPLICATION_READ,),
    days: int = 30,
    accept: bool = False,
) -> Delegation:
    """`applicant` appoints `representative` on these applications for `days` from now,
    through the delegation service; with `accept`, the representative accepts it in the
    same unit of work. Return the delegation as granted."""
    now = components.clock.now()
    with transaction(components) as db:
        delegation = delegation_service.grant(
            db,
            components.delegation_events,
            DelegationRequest(
                principal=applicant.subject,
                actor=representative.subject,
                kind=kind,
                actions=list(actions),
                valid_until=now + timedelta(days=days),
                application_ids=list(application_ids),
            ),
            now,
            zone=components.settings.display_zone,
        )
        if accept:
            delegation_service.accept(
                db, components.delegation_events, delegation.id, representative.subject, now
            )
        return delegation


def client_assertion(
    key: ECKey, client_id: str, audience: str, *, lifetime: int = 60, **claims: Any
) -> str:
    """A `private_key_jwt` assertion (RFC 7523) signed ES256 by `key`, with a fresh `jti`;
    `claims` replace or add any (`jti`, `iss`...)."""
    now = int(time.time())
    body = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(12),
        **claims,
    }
    return jwt.encode({"alg": "ES256", "kid": key.kid}, body, key)
