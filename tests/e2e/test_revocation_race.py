"""Revocation is a line in time (issue 7 item 4): with token exchanges in flight on two
instances, once a revoke has committed no delegated token is issued under it anywhere:
no `token.issued` follows `delegation.revoked` in the audit chain, and every exchange
that began after the revoke returned is refused."""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from consent import (
    Action,
    AuditEntry,
    DelegationKind,
    DelegationRequest,
    NoEvents,
    accept_delegation,
    grant_delegation,
    register_application,
    revoke_delegation,
)
from idp.accounts.models import Account
from idp.db import create_db_engine, create_session_factory, unit_of_work
from idp.oauth.consents import record_consent
from tests.e2e.fixtures import server_env
from tests.e2e.servers import IdpProcess, browser_client, new_port
from tests.idp.flows import TOKEN_EXCHANGE, authorization_request, follow_to_redirect_uri, sign_in

pytestmark = pytest.mark.e2e
REDIRECT = "https://portal.example/callback"
PASSWORD = "two long password"
EXCHANGERS = 4
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"  # a URN
DETAILS = json.dumps(
    [{"type": "passerelle_application", "application": "R1", "actions": ["application.read"]}]
)


@pytest.fixture
def race(backend, tmp_path_factory, smtp_inbox):
    if not backend.is_real:
        pytest.skip("the race is between instances sharing PostgreSQL")
    folder = tmp_path_factory.mktemp("race")
    database_url = backend.fresh_database_url(folder)
    port_a, port_b = new_port(), new_port()
    issuer = f"http://localhost:{port_a}"
    env = server_env(backend, folder, database_url, issuer, smtp_inbox[0])
    a, b = IdpProcess(env, port_a).start(folder), IdpProcess(env, port_b).start(folder)
    engine = create_db_engine(database_url)
    yield a, b, create_session_factory(engine)
    a.stop()
    b.stop()
    engine.dispose()


def _world(a, factory):
    """A portal, an applicant's application there, a representative with an active
    delegation, and the representative's access token at the portal."""
    applicant, rep = (f"{who}-{secrets.token_hex(3)}@example.ca" for who in ("app", "rep"))
    for email in (applicant, rep):
        a.cli("users", "create", "--email", email, "--password", PASSWORD, "--name", email[:3])
    portal = a.cli(
        "clients",
        "create",
        "--name",
        f"Race {secrets.token_hex(3)}",
        "--redirect-uri",
        REDIRECT,
        "--first-party",
        "--grant-type",
        "authorization_code",
        "--grant-type",
        TOKEN_EXCHANGE,
        "--scope",
        "openid",
    )
    now = datetime.now(UTC)
    with unit_of_work(factory) as db:
        owner = db.scalar(select(Account).where(Account.email == applicant))
        actor = db.scalar(select(Account).where(Account.email == rep))
        record_consent(db, owner.id, str(portal["client_id"]), "openid", now)
        application, _ = register_application(
            db,
            portal_client_id=str(portal["client_id"]),
            portal_reference="R1",
            program="Study permit",
            applicant_subject=owner.subject,
            status="received",
            now=now,
        )
        delegation = grant_delegation(
            db,
            DelegationRequest(
                principal=owner.subject,
                actor=actor.subject,
                kind=DelegationKind.REPRESENTATIVE_UNPAID,
                actions=[Action.APPLICATION_READ],
                valid_until=now + timedelta(days=10),
                application_ids=[application.id],
            ),
            actor_is_approved_representative=False,
            now=now,
            events=NoEvents(),
        )
        accept_delegation(db, delegation.id, actor.subject, now, events=NoEvents())
    request = authorization_request(str(portal["client_id"]), scope="openid")
    with browser_client(a.url) as browser:
        first = browser.get("/authorize?" + request.query)
        final = follow_to_redirect_uri(
            browser, sign_in(browser, first.headers["location"], rep, PASSWORD)
        )
    code = final.headers["location"].split("code=")[1].split("&")[0]
    auth = (str(portal["client_id"]), str(portal["client_secret"]))
    token = httpx.post(
        f"{a.url}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": request.verifier,
        },
        auth=auth,
    ).json()["access_token"]
    return auth, token, delegation.id, owner.subject


def test_no_token_is_issued_after_a_revoke_commits(race):
    a, b, factory = race
    auth, subject_token, delegation_id, principal = _world(a, factory)
    revoked_at = [float("inf")]
    late: list[int] = []  # exchanges begun after the revoke returned, and how they ended
    stop = threading.Event()

    def exchange(base: str) -> None:
        with httpx.Client(base_url=base, timeout=10) as http:
            while not stop.is_set():
                began = time.monotonic()
                answer = http.post(
                    "/token",
                    data={
                        "grant_type": TOKEN_EXCHANGE,
                        "subject_token": subject_token,
                        "subject_token_type": ACCESS_TOKEN,
                        "authorization_details": DETAILS,
                    },
                    auth=auth,
                )
                if began > revoked_at[0]:
                    late.append(answer.status_code)

    threads = [
        threading.Thread(target=exchange, args=(url,)) for url in (a.url, b.url) * (EXCHANGERS // 2)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    with unit_of_work(factory) as db:
        revoke_delegation(db, delegation_id, principal, datetime.now(UTC), events=NoEvents())
    revoked_at[0] = time.monotonic()
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert late, "no exchange began after the revoke"
    assert set(late) == {400}, late  # every later exchange refused
    with unit_of_work(factory) as db:
        events = db.execute(
            select(AuditEntry.seq, AuditEntry.event)
            .where(AuditEntry.delegation_id == delegation_id)
            .order_by(AuditEntry.seq)
        ).all()
    revoked = next(seq for seq, event in events if event == "delegation.revoked")
    issued = [seq for seq, event in events if event == "token.issued"]
    assert issued, "the exchanges issued tokens before the revoke"
    assert max(issued) < revoked, "a token was issued after the revoke committed"
