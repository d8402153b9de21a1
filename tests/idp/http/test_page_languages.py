"""Pages render in the request's language: negotiation, the switch link, French
typography, and renders in two languages at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qsl, urlsplit

from fastapi import FastAPI, Request
from starlette.responses import HTMLResponse
from starlette.testclient import TestClient

from idp.http.locale import load_translations
from idp.http.pages import Pages, create_template_env
from tests.idp.flows import COOKIES
from tests.idp.http.demo_pages import IDP, demo_app, switch_link


def test_pages_are_english_by_default(client):
    response = client.get("/login")
    assert '<html lang="en">' in response.text
    assert "<title>Sign in — Passerelle</title>" in response.text
    assert response.headers["content-language"] == "en"
    assert response.headers["cache-control"] == "no-store"


def test_lang_parameter_renders_french_and_remembers_it(client):
    response = client.get("/login?lang=fr")
    assert '<html lang="fr">' in response.text
    assert "<title>Se connecter — Passerelle</title>" in response.text
    assert response.headers["content-language"] == "fr"
    assert response.headers["set-cookie"].startswith(f"{COOKIES.locale}=fr;")


def test_accept_language_fr_ca_renders_french():
    with TestClient(demo_app(), base_url="https://testserver") as fresh:
        response = fresh.get("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in response.text
    assert "Adresse courriel" in response.text


def test_ui_locales_renders_french():
    with TestClient(demo_app(), base_url="https://testserver") as fresh:
        response = fresh.get("/login?ui_locales=fr-CA")
    assert '<html lang="fr">' in response.text


def test_the_switch_link_offers_the_other_language_and_keeps_the_query():
    with TestClient(demo_app(), base_url="https://testserver") as fresh:
        page = fresh.get("/login?interaction=int-9&client_name=A%26B&lang=fr&ui_locales=fr").text
    assert 'lang="en" hreflang="en">English</a>' in page
    link = urlsplit(switch_link(page))
    assert link.path == "/login"
    assert parse_qsl(link.query) == [
        ("interaction", "int-9"),
        ("client_name", "A&B"),
        ("ui_locales", "fr"),
        ("lang", "en"),
    ]


def test_the_switch_link_in_english_points_to_french(client):
    page = client.get("/consent").text
    assert 'lang="fr" hreflang="fr">Français</a>' in page
    assert switch_link(page) == "/consent?lang=fr"


def test_french_labels_put_a_non_breaking_space_before_the_colon(client):
    assert "Email address: nadia@example.ca" in client.get("/account?lang=en").text
    assert "Adresse courriel\u00a0: nadia@example.ca" in client.get("/account?lang=fr").text


def test_concurrent_renders_in_two_languages_do_not_leak_into_each_other():
    app = demo_app()

    def fetch(lang: str) -> tuple[str, str]:
        with TestClient(app, base_url="https://testserver") as fresh:
            return lang, fresh.get(f"/login?lang={lang}").text

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(fetch, ["en", "fr"] * 20))
    for lang, page in results:
        assert f'<html lang="{lang}">' in page
        assert ("Se connecter" in page) == (lang == "fr")


def test_a_request_without_negotiated_locale_renders_english():
    pages = Pages(create_template_env(load_translations(IDP / "locale")))
    app = FastAPI()

    @app.get("/")
    def index(request: Request) -> HTMLResponse:
        request.state.locale = "de"
        return pages.render(request, "oidc/logged_out.html", {})

    with TestClient(app, base_url="https://testserver") as fresh:
        response = fresh.get("/")
    assert '<html lang="en">' in response.text
    assert response.headers["content-language"] == "en"
