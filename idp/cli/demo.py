"""`idp demo`: a sample portal and applicant so a newcomer sees sign-in in a minute."""

from __future__ import annotations

import secrets

from idp.accounts.service import create_account, find_account_by_email
from idp.authn.password import PasswordPolicy, Passwords
from idp.bootstrap import prepare_database
from idp.clock import SystemClock
from idp.db import create_session_factory, transaction
from idp.oauth.clients import create_client, list_clients
from idp.settings import Settings

DEMO_EMAIL = "applicant@example.ca"
DEMO_PASSWORD = "correct horse battery staple"  # noqa: S105  # published demo credential
DEMO_PORTAL = "Demo IRCC Portal"


def seed_demo(settings: Settings, port: int) -> list[str]:
    engine = prepare_database(settings)
    factory = create_session_factory(engine)
    now = SystemClock().now()
    passwords = Passwords(
        PasswordPolicy(
            settings.password_hash_memory_kib,
            settings.password_hash_time_cost,
            settings.password_hash_parallelism,
        )
    )
    redirect = f"http://127.0.0.1:{port}/account"
    lines = []
    with transaction(factory) as db:
        if find_account_by_email(db, DEMO_EMAIL) is None:
            create_account(
                db,
                passwords,
                email=DEMO_EMAIL,
                password=DEMO_PASSWORD,
                name="Amara Okafor",
                now=now,
                email_verified=True,
            )
        existing = [c for c in list_clients(db) if c.name == DEMO_PORTAL]
        if existing:
            client_id = existing[0].client_id
        else:
            client, _ = create_client(
                db, name=DEMO_PORTAL, redirect_uris=[redirect], auth_method="none", now=now
            )
            client_id = client.client_id
    verifier = secrets.token_urlsafe(48)
    import base64
    import hashlib

    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    engine.dispose()
    lines += [
        "Passerelle demo",
        f"  applicant: {DEMO_EMAIL} / {DEMO_PASSWORD}",
        f"  portal:    {DEMO_PORTAL} (public client {client_id})",
        "  Try single sign-on: open",
        f"  http://127.0.0.1:{port}/authorize?response_type=code&client_id={client_id}"
        f"&redirect_uri={redirect}&scope=openid%20profile%20email&state=demo"
        f"&code_challenge={challenge}&code_challenge_method=S256",
        f"  Discovery: http://127.0.0.1:{port}/.well-known/openid-configuration",
    ]
    return lines
