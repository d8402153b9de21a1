"""The language switch of a page answering a form: a small form posting a sealed,
read-once snapshot id to `/language`, never the page's values in a URL."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse
from starlette.testclient import TestClient

from adapters import MemoryStore
from idp.clock import ManualClock
from idp.http.locale import LocaleMiddleware, load_translations
from idp.http.pages import Pages, create_template_env
from idp.http.snapshots import REREAD_SECONDS, PageSnapshot, PageSnapshots
from keys import MasterKey
from tests.factories.idp import DEFAULT_PASSWORD, make_account
from tests.idp.flows import COOKIES, comparable, csrf_of, switch_language

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
    now = [0.0]
    store = MemoryStore(monotonic=lambda: now[0])
    snapshots = PageSnapshots(store, MasterKey.generate())
    seen = Request({"type": "http", "state": {"csrf_token": CSRF_TOKEN}})
    other = Request({"type": "http", "state": {"csrf_token": "another-browser"}})
    first = snapshots.save(seen, "accounts/verify.html", {"email": "a@example.ca"}, 400)
    assert snapshots.take(other, first) is None
    assert snapshots.take(seen, first) is None  # tried by another browser: gone
    second = snapshots.save(seen, "accounts/verify.html", {"email": "a@example.ca"}, 400)
    taken = snapshots.take(seen, second)
    assert taken == PageSnapshot("accounts/verify.html", {"email": "a@example.ca"}, 400)
    now[0] += REREAD_SECONDS - 0.5  # a double click: the same page again, to this browser only
    assert snapshots.take(other, second) is None
    assert snapshots.take(seen, second) == taken
    now[0] += 0.5  # and never after, however often it was read
    assert snapshots.take(seen, second) is None
    assert snapshots.save(seen, "x.html", {"when": object()}, 200) is None  # not plain values


def _rate_limited_sign_in(components, browser):
    account = make_account(components)
    browser.get("/login")
    for _ in range(10):
        wrong = {"email": account.email, "password": "wrong password!"}
        browser.post("/login", data={**wrong, "csrf_token": browser.cookies.get(COOKIES.csrf)})
    page = browser.get("/login")
    right = {"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_of(page)}
    return browser.post("/login", data=right)


def test_a_rate_limited_page_switched_keeps_its_status_and_the_time_left_in_retry_after(
    components, browser, clock
):
    blocked = _rate_limited_sign_in(components, browser)
    assert blocked.status_code == 429
    waited = int(blocked.headers["retry-after"])
    assert waited > 20
    clock.advance(20)
    switched = switch_language(browser, blocked)
    assert switched.status_code == 429
    assert 'lang="fr"' in switched.text
    assert int(switched.headers["retry-after"]) == waited - 20
    assert "Réessayez dans 1 minute." in switched.text


def test_a_snapshot_gives_the_wait_left_when_it_is_taken_and_the_page_says_it():
    clock = ManualClock()
    pages = Pages(
        create_template_env(load_translations(IDP / "locale")),
        PageSnapshots(MemoryStore(), MasterKey.generate(), clock),
    )
    seen = Request(
        {
            "type": "http",
            "method": "POST",
            "path": "/login",
            "query_string": b"",
            "headers": [],
            "state": {"csrf_token": CSRF_TOKEN},
        }
    )
    snapshot_id = pages.snapshots.save(seen, "authn/login.html", {}, 429, retry_after_seconds=600)
    clock.advance(241)
    taken = pages.snapshots.take(seen, snapshot_id)
    assert taken == PageSnapshot("authn/login.html", {}, 429, retry_after_seconds=359)
    seen.state.locale = "fr"
    page = pages.render(seen, taken.template_name, {"error_code": "rate_limited"}, 429, None, 359)
    assert page.headers["retry-after"] == "359"
    assert "Réessayez dans 6 minutes." in page.body.decode()
    gone = pages.snapshots.save(seen, "authn/login.html", {}, 429, retry_after_seconds=60)
    clock.advance(120)  # the wait is over: the page still says to wait, a second at least
    assert pages.snapshots.take(seen, gone).retry_after_seconds == 1


def test_a_double_click_on_the_language_switch_shows_the_switched_page_both_times(
    components, browser
):
    blocked = _rate_limited_sign_in(components, browser)
    first, second = switch_language(browser, blocked), switch_language(browser, blocked)
    assert first.status_code == second.status_code == 429  # not the sign-in page's address
    assert 'lang="fr"' in second.text
    assert comparable(first.text) == comparable(second.text)
    assert second.headers["retry-after"] == first.headers["retry-after"]
