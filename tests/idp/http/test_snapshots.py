"""The language switch of a page answering a form: a small form posting a sealed,
read-once snapshot id to `/language`, never the page's values in a URL."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse
from starlette.testclient import TestClient

from adapters import MemoryStore
from idp.http.locale import LocaleMiddleware, load_translations
from idp.http.pages import Pages, create_template_env
from idp.http.snapshots import PageSnapshot, PageSnapshots
from keys import MasterKey

IDP = Path(__file__).resolve().parents[3] / "idp"
CSRF_TOKEN = "csrf-token-for-the-test"


def _answering_app(store: MemoryStore) -> FastAPI:
    """One page answering a POST, posted to a path with no GET, as `/register/verify` is."""
    pages = Pages(
        create_template_env(load_translations(IDP / "locale")),
        PageSnapshots(store, MasterKey.generate()),
    )
    app = FastAPI()

    def answer(request: Request) -> HTMLResponse:
        request.state.csrf_token = CSRF_TOKEN
        context = {"email": "li.wei@example.ca", "error": "invalid"}
        return pages.render(request, "accounts/verify.html", context, 400, address="/register")

    app.add_api_route("/answer", answer, methods=["POST"], response_class=HTMLResponse)
    app.add_middleware(LocaleMiddleware, default_locale="en")
    return app


def test_a_page_answering_a_form_switches_language_with_a_form_and_nothing_in_its_address():
    store = MemoryStore()
    with TestClient(_answering_app(store), base_url="https://testserver") as fresh:
        page = fresh.post("/answer").text
    switch = page.split('<nav aria-label="Language">')[1].split("</nav>")[0]
    assert '<form class="language-switch" method="post" action="/language?lang=fr">' in switch
    assert f'name="csrf_token" value="{CSRF_TOKEN}"' in switch
    assert 'name="back" value="/register?lang=fr"' in switch  # if the snapshot is gone
    assert '<button type="submit" lang="fr">Français</button>' in switch
    assert "li.wei@example.ca" not in switch
    snapshot_id = switch.split('name="page" value="')[1].split('"')[0]
    assert len(snapshot_id) == 43
    kept = store.get("page-snapshot:" + snapshot_id)
    assert CSRF_TOKEN.encode() not in kept
    assert b"li.wei@example.ca" not in kept  # sealed: the store's content shows nothing


def test_a_page_snapshot_is_given_once_and_only_to_the_browser_that_saw_the_page():
    store = MemoryStore()
    snapshots = PageSnapshots(store, MasterKey.generate())
    seen = Request({"type": "http", "state": {"csrf_token": CSRF_TOKEN}})
    other = Request({"type": "http", "state": {"csrf_token": "another-browser"}})
    first = snapshots.save(seen, "accounts/verify.html", {"email": "a@example.ca"}, 400)
    assert snapshots.take(other, first) is None
    second = snapshots.save(seen, "accounts/verify.html", {"email": "a@example.ca"}, 400)
    taken = snapshots.take(seen, second)
    assert taken == PageSnapshot("accounts/verify.html", {"email": "a@example.ca"}, 400)
    assert snapshots.take(seen, second) is None
    assert snapshots.save(seen, "x.html", {"when": object()}, 200) is None  # not plain values
