"""Language negotiation: priorities, garbage inputs, the middleware and the catalogues."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from idp.http.locale import (
    SUPPORTED_LOCALES,
    LocaleMiddleware,
    load_translations,
    negotiate_locale,
)
from tests.idp.flows import COOKIES

LOCALE_DIR = Path(__file__).resolve().parents[3] / "idp" / "locale"
NOTHING = {"lang_param": None, "ui_locales": None, "cookie": None, "accept_language": None}


def negotiate(default="en", **sources):
    values = {**NOTHING, **sources}
    return negotiate_locale(
        lang_param=values["lang_param"],
        ui_locales=values["ui_locales"],
        cookie=values["cookie"],
        accept_language=values["accept_language"],
        default=default,
    )


def test_the_default_applies_when_nothing_is_said():
    assert negotiate() == "en"
    assert negotiate(default="fr") == "fr"


def test_lang_parameter_wins_over_every_other_source():
    assert negotiate(lang_param="fr", ui_locales="en", cookie="en", accept_language="en") == "fr"


def test_ui_locales_wins_over_cookie_and_header():
    assert negotiate(ui_locales="fr", cookie="en", accept_language="en") == "fr"


def test_cookie_wins_over_accept_language():
    assert negotiate(cookie="fr", accept_language="en") == "fr"


def test_first_supported_ui_locale_wins_and_regions_map_to_the_language():
    assert negotiate(ui_locales="de-DE es fr-CA en") == "fr"
    assert negotiate(ui_locales="en-GB fr") == "en"


def test_unsupported_sources_fall_through_to_the_next_one():
    assert negotiate(lang_param="xx", ui_locales="de", cookie="es", accept_language="fr") == "fr"


def test_accept_language_honours_q_values_not_order():
    assert negotiate(accept_language="en;q=0.4, fr-CA;q=0.9, de") == "fr"


def test_accept_language_ignores_zero_weight_and_unreadable_weights():
    assert negotiate(accept_language="fr;q=0, en;q=0.1", default="fr") == "en"
    assert negotiate(accept_language="fr;q=abc, en;q=0.1", default="fr") == "en"
    assert negotiate(accept_language="fr;q=nan, fr;q=7, en;q=0.2", default="fr") == "en"


def test_accept_language_reads_the_weight_among_other_parameters():
    assert negotiate(accept_language="fr;level=1;q=0.2, en;q=0.5", default="fr") == "en"


@pytest.mark.parametrize(
    "garbage",
    ["", " ", ";", ",,,", "q=1", "*", "fr;q=", "\x00", "é" * 3000, "fr-" * 1000, ";q=0.9,,fr;"],
)
def test_garbage_never_raises_and_yields_a_supported_locale(garbage):
    for source in NOTHING:
        assert negotiate(**{source: garbage}) in SUPPORTED_LOCALES


@given(
    lang=st.none() | st.text(),
    ui=st.none() | st.text(),
    cookie=st.none() | st.text(),
    header=st.none() | st.text(),
)
def test_arbitrary_strings_never_raise(lang, ui, cookie, header):
    result = negotiate(lang_param=lang, ui_locales=ui, cookie=cookie, accept_language=header)
    assert result in SUPPORTED_LOCALES


async def show_locale(request: Request) -> PlainTextResponse:
    return PlainTextResponse(request.state.locale)


@pytest.fixture
def client():
    app = Starlette(routes=[Route("/", show_locale)])
    app.add_middleware(LocaleMiddleware, default_locale="en")
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def test_middleware_puts_the_locale_in_request_state(client):
    assert client.get("/").text == "en"
    assert client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).text == "fr"
    assert client.get("/?ui_locales=fr-CA%20en").text == "fr"


def test_middleware_remembers_an_explicit_lang_in_a_cookie(client):
    response = client.get("/?lang=fr")
    assert response.text == "fr"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIES.locale}=fr;")
    for attribute in ("Path=/", "Max-Age=31536000", "SameSite=Lax", "Secure"):
        assert attribute in cookie
    assert client.get("/").text == "fr"  # the cookie is sent back


def test_middleware_ignores_an_unsupported_lang_and_sets_no_cookie(client):
    response = client.get("/?lang=xx")
    assert response.text == "en"
    assert "set-cookie" not in response.headers


def test_middleware_sets_no_cookie_without_lang(client):
    response = client.get("/?ui_locales=fr")
    assert "set-cookie" not in response.headers


def test_middleware_takes_the_first_of_duplicated_parameters(client):
    assert client.get("/?lang=fr&lang=en").text == "fr"


@pytest.mark.parametrize(
    "query",
    [b"lang=%ff%fe", b"lang=\xff\xfe&ui_locales=\xc3", b"%%%&&&==", b"lang" * 5000, b"a=1&" * 500],
)
def test_middleware_survives_odd_query_strings(query):
    async def app(scope, receive, send):
        await PlainTextResponse(scope["state"]["locale"])(scope, receive, send)

    seen = []

    async def send(message):
        seen.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": query,
        "headers": [
            (b"cookie", COOKIES.locale.encode() + b"=\xff"),
            (b"accept-language", b"\xff\xfe"),
        ],
    }
    middleware = LocaleMiddleware(app, default_locale="fr")
    # A thread of its own: another test of the same worker may hold a running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    assert seen[0]["status"] == 200
    assert seen[1]["body"] in (b"en", b"fr")


def test_translations_are_compiled_in_memory_for_each_supported_locale():
    catalogues = load_translations(LOCALE_DIR)
    assert set(catalogues) == set(SUPPORTED_LOCALES)
    assert catalogues["fr"].gettext("Sign in") == "Se connecter"
    assert catalogues["en"].gettext("Sign in") == "Sign in"


def test_a_missing_catalogue_falls_back_to_the_english_msgids(tmp_path):
    catalogues = load_translations(tmp_path)
    assert catalogues["fr"].gettext("Sign in") == "Sign in"


async def show_choice(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"{request.state.locale} {request.state.locale_chosen}")


@pytest.mark.parametrize(
    ("query", "headers", "expected"),
    [
        ("", {}, "en False"),
        ("", {"Accept-Language": "fr-CA"}, "fr False"),
        ("?lang=fr", {}, "fr True"),
        ("?ui_locales=fr", {}, "fr True"),
        ("", {"Cookie": f"{COOKIES.locale}=fr", "Accept-Language": "en"}, "fr True"),
        ("", {"Cookie": f"{COOKIES.locale}=xx", "Accept-Language": "fr"}, "fr False"),
    ],
)
def test_middleware_tells_a_choice_from_a_guess(query, headers, expected):
    app = Starlette(routes=[Route("/", show_choice)])
    app.add_middleware(LocaleMiddleware, default_locale="en")
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/" + query, headers=headers).text == expected
