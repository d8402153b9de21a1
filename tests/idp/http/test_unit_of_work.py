"""The request's unit of work (idp.http.deps): a plain-`def` handler's transaction commits
in the handler's own pool thread as it returns (one thread hop per request, not two), a
handler that raises leaves nothing written, and mail queued in the request goes out only
after the commit. Every capability's router builds its routes this way."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from starlette.responses import PlainTextResponse, Response
from starlette.testclient import TestClient

from adapters import OutgoingMail
from idp.accounts.models import Account
from idp.http.deps import Db, Router, Work
from tests.factories.idp import make_account, make_client, statements, transaction
from tests.idp.flows import authorization_request, sign_in

IDP = Path(__file__).resolve().parents[3] / "idp"


class RecordingMailer:
    def __init__(self, commits: list[int]) -> None:
        self.sent: list[tuple[str, int]] = []
        self._commits = commits

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append((mail.to, len(self._commits)))


@pytest.fixture
def tiny_app(components):
    commits: list[int] = []
    handlers: list[int] = []

    def note_commit(_session) -> None:
        commits.append(threading.get_ident())

    event.listen(components.session_factory, "after_commit", note_commit)
    router = Router()

    @router.post("/rename/{account_id}")
    def rename(account_id: str, db: Db) -> Response:
        handlers.append(threading.get_ident())
        db.get_one(Account, account_id).name = "Renamed"
        return PlainTextResponse("ok")

    @router.post("/rename-then-fail/{account_id}")
    def rename_then_fail(account_id: str, db: Db) -> Response:
        db.get_one(Account, account_id).name = "Never saved"
        db.flush()
        raise RuntimeError("the handler fails after writing")

    @router.post("/mail/{account_id}")
    def mail(account_id: str, work: Work) -> Response:
        work.session.get_one(Account, account_id).name = "Mailed"
        work.outgoing.append(OutgoingMail(to="someone@example.ca", subject="s", text="t"))
        return PlainTextResponse("ok")

    application = FastAPI()
    application.include_router(router)
    application.state.session_factory = components.session_factory
    application.state.mailer = RecordingMailer(commits)
    application.state.commits, application.state.handlers = commits, handlers
    yield application
    event.remove(components.session_factory, "after_commit", note_commit)


def _account(tiny_app, components) -> Account:
    account = make_account(components)
    tiny_app.state.commits.clear()  # the factory's own commit
    return account


def _name(components, account_id: str) -> str:
    with transaction(components) as db:
        return db.get_one(Account, account_id).name


def test_the_handler_commits_in_its_own_thread(tiny_app, components, hops):
    account = _account(tiny_app, components)
    with TestClient(tiny_app) as client:
        hops.clear()
        assert client.post(f"/rename/{account.id}").status_code == 200
    assert len(hops) == 1, hops  # the handler, which also committed
    assert tiny_app.state.commits == tiny_app.state.handlers  # one commit, in the handler's thread
    assert tiny_app.state.handlers[0] != threading.get_ident()
    assert _name(components, account.id) == "Renamed"


def test_a_handler_that_raises_leaves_nothing_written(tiny_app, components):
    account = _account(tiny_app, components)
    with TestClient(tiny_app, raise_server_exceptions=False) as client:
        assert client.post(f"/rename-then-fail/{account.id}").status_code == 500
    assert tiny_app.state.commits == []
    assert _name(components, account.id) == account.name


def test_mail_goes_out_after_the_commit(tiny_app, components):
    account = _account(tiny_app, components)
    with TestClient(tiny_app) as client:
        assert client.post(f"/mail/{account.id}").status_code == 200
    assert _name(components, account.id) == "Mailed"
    assert tiny_app.state.mailer.sent == [("someone@example.ca", 1)]  # sent after commit no. 1


def test_every_router_finishes_its_unit_of_work_in_the_handler_thread():
    """A capability's router is `Router()`; a bare `APIRouter` would commit with a second
    thread hop (and nothing else would notice)."""
    bare = [
        str(path.relative_to(IDP.parent))
        for path in IDP.rglob("*.py")
        if path.name != "deps.py" or path.parent.name != "http"
        if re.search(r"\bAPIRouter\(", path.read_text(encoding="utf-8"))
    ]
    assert bare == []


def test_a_sign_in_page_costs_one_thread_hop(components, browser, hops):
    """No session cookie: who is signed in is known without the pool; the handler reads
    and commits in one hop."""
    client, _ = make_client(components)
    request = authorization_request(client.client_id)
    browser.cookies.clear()
    hops.clear()
    started = browser.get("/authorize?" + request.query)
    assert started.status_code == 303
    assert len(hops) == 1, hops
    hops.clear()
    with statements(components) as sent:
        assert browser.get(started.headers["location"]).status_code == 200
    assert len(hops) == 1, hops
    assert sent == []  # the portal's name comes from the client directory


def test_the_consent_page_of_a_signed_in_person_costs_one_thread_hop(components, browser, hops):
    """The authorization endpoints read the session in the handler's own thread."""
    account = make_account(components)
    client, _ = make_client(components)
    request = authorization_request(client.client_id, prompt="consent")
    started = browser.get("/authorize?" + request.query)
    signed = sign_in(browser, started.headers["location"], account.email)
    assert signed.status_code == 303
    hops.clear()
    consent = browser.get(signed.headers["location"])
    assert 'name="decision"' in consent.text
    assert len(hops) == 1, hops
