"""Pages render in the request's language, accessibly and escaped, on a tiny app of their own.

`demo_app()` is also what the browser smoke test serves: the templates are checked here
without the routes, database or sessions of the real service.
"""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.testclient import TestClient

from idp.http.locale import LocaleMiddleware, load_translations
from idp.http.pages import Pages, create_template_env
from idp.http.security_headers import SecurityHeadersMiddleware

IDP = Path(__file__).resolve().parents[3] / "idp"
CSRF_TOKEN = "csrf-token-for-the-test"

ACTIVITY_ENTRY = {
    "seq": 42,
    "at": datetime(2026, 11, 25, 14, 3, tzinfo=UTC),
    "actor": "Amrit Kaur Sandhu (amrit.sandhu@example.ca)",
    "what": "Appointed a paid representative",
    "action_labels": ["Read the application", "Read correspondence"],
    "applications": [("Permanent residence", "R000789")],
    "portal": "Permanent Residence Portal",
}

# Each page of the demo app: its template and the view model the real route passes.
SAMPLES = {
    "/login": (
        "authn/login.html",
        {"interaction": "int-123", "email": "", "error_code": None, "client_name": None},
    ),
    "/consent": (
        "oauth/consent.html",
        {
            "client_name": "Portail des visas",
            "scopes": ["openid", "profile", "email", "offline_access", "applications:read", "x"],
            "interaction": "int-123",
        },
    ),
    "/logout": (
        "oidc/logout_confirm.html",
        {"client_name": "Portail des visas", "hidden": {"state": "s-1", "client_id": "c-1"}},
    ),
    "/logged-out": ("oidc/logged_out.html", {}),
    "/error": (
        "errors/error.html",
        {
            "status_code": 400,
            "title_msgid": "This request cannot be completed",
            "message_msgid": "The portal that sent you here made an invalid request. "
            "Go back to the portal and try again.",
            "detail": "redirect_uri is not registered for this client",
        },
    ),
    "/account": ("account/home.html", {"name": "Nadia Haddad", "email": "nadia@example.ca"}),
    # Pages with tables, their rows as long as real ones (the demo's), for the 320 px check.
    "/account/applications": (
        "console/applications.html",
        {
            "applications": [
                {
                    "id": "a1",
                    "number": "R000789",
                    "program": "Permanent residence",
                    "status": "Presence in Canada confirmed",
                    "unread": 2,
                    "link": "https://pr.example/R000789",
                    "portal": "Permanent Residence Portal",
                    "portal_id": "pr-portal",
                    "updated": "2026-11-25",
                }
            ],
            "claims": [],
            "filed_for": {},
            "client_files": 0,
            "notice": None,
        },
    ),
    "/account/activity": (
        "console/activity.html",
        {
            "entries": [ACTIVITY_ENTRY],
            "values": {"from": "", "to": ""},
            "errors": {},
            "period_query": "",
            "max_export": 1000,
        },
    ),
    "/account/activity/print": (
        "console/activity_print.html",
        {
            "entries": [ACTIVITY_ENTRY],
            "period": {"start": None, "end": None},
            "owner": {"name": "Nadia Haddad", "email": "nadia@example.ca"},
            "printed_at": datetime(2026, 11, 25, 14, 3, tzinfo=UTC),
            "period_query": "",
        },
    ),
    "/account/dashboard": (
        "console/dashboard.html",
        {
            "rows": [
                {
                    "client": "Amara Okafor (amara.okafor@example.ca)",
                    "program": "Permanent residence",
                    "number": "R000789",
                    "portal": "Permanent Residence Portal",
                    "portal_id": "pr-portal",
                    "status": "presence_in_canada_confirmed",
                    "status_label": "Presence in Canada confirmed",
                    "unread": 3,
                    "actions": ["Read the application", "Read correspondence"],
                    "until": "2027-06-30",
                    "expiring": True,
                    "delegation_status": "active",
                    "link": "https://pr.example/R000789",
                }
            ],
            "total": 1,
            "clients": 1,
            "filter": {},
            "portals": [("pr-portal", "Permanent Residence Portal")],
            "statuses": [("presence_in_canada_confirmed", "Presence in Canada confirmed")],
            "expiring_days": 30,
            "representative": {"representative_id": "REP-7Q4K2M9X", "status": "active"},
        },
    ),
    "/account/household": (
        "family/household.html",
        {
            "members": [
                {
                    "name": "Amara Okafor",
                    "kind": "Designated individual",
                    "until": "2027-06-30",
                    "applications": [
                        {
                            "program": "Permanent residence",
                            "number": "R000789",
                            "portal": "Permanent Residence Portal",
                            "status": "Presence in Canada confirmed",
                            "unread": 2,
                            "link": "https://pr.example/R000789",
                        }
                    ],
                }
            ],
            "invited": [],
            "notice": None,
        },
    ),
    "/officer/invitations": (
        "officer/invitations.html",
        {
            "invitations": [
                {
                    "email": "aminata.diallo-traore@example.ca",
                    "name": "Aminata Diallo-Traoré",
                    "created": "2026-11-25",
                    "status": "waiting",
                }
            ],
            "values": {},
            "errors": {},
            "created": None,
        },
    ),
}
TABLE_PAGES = [
    "/account/applications",
    "/account/activity",
    "/account/activity/print",
    "/account/dashboard",
    "/account/household",
    "/officer/invitations",
]


def demo_app(pages: Pages | None = None) -> FastAPI:
    """The templates behind the sample routes; query parameters override the view model."""
    pages = pages or Pages(create_template_env(load_translations(IDP / "locale")))
    app = FastAPI()

    def render(request: Request) -> HTMLResponse:
        template, context = SAMPLES[request.url.path]
        overrides = {k: v for k, v in request.query_params.items() if k in context}
        if "retry_after_seconds" in request.query_params:
            overrides["retry_after_seconds"] = int(request.query_params["retry_after_seconds"])
        request.state.csrf_token = CSRF_TOKEN
        status = int(context.get("status_code", 200))
        return pages.render(request, template, {**context, **overrides}, status_code=status)

    for path in SAMPLES:
        app.add_api_route(path, render, methods=["GET"], response_class=HTMLResponse)
    app.mount("/static", StaticFiles(directory=IDP / "static"), name="static")
    app.add_middleware(LocaleMiddleware, default_locale="en")
    app.add_middleware(SecurityHeadersMiddleware, hsts=False)
    return app


@pytest.fixture
def client():
    with TestClient(demo_app(), base_url="https://testserver") as client:
        yield client


def tag(page: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+ [^>]*id="{re.escape(element_id)}"[^>]*>', page)
    assert match, f"no element with id {element_id}"
    return match.group(0)


def attribute(element: str, name: str) -> str | None:
    match = re.search(rf'\s{name}="([^"]*)"', element)
    return html.unescape(match.group(1)) if match else None


def switch_link(page: str) -> str:
    match = re.search(r'<a href="([^"]*)" lang="(en|fr)" hreflang="\2">', page)
    assert match, "no language switch"
    return html.unescape(match.group(1))


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
    assert response.headers["set-cookie"].startswith("idp_lang=fr;")


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


def test_error_is_shown_next_to_the_field_and_described_by_it(client):
    page = client.get("/login?error_code=invalid_credentials&email=ana%40example.ca").text
    email = tag(page, "email")
    assert attribute(email, "aria-invalid") == "true"
    assert "email-error" in (attribute(email, "aria-describedby") or "").split()
    assert attribute(email, "value") == "ana@example.ca"
    assert re.search(r'id="email-error">.*Incorrect email or password\.</p>', page)
    assert 'role="alert"' in page
    assert '<a href="#email">Incorrect email or password.</a>' in page


def test_password_is_never_written_back_into_the_page(client):
    assert attribute(tag(client.get("/login").text, "password"), "value") is None


def test_rate_limit_message_rounds_up_to_minutes_in_french(client):
    page = client.get("/login?lang=fr&error_code=rate_limited&retry_after_seconds=61").text
    assert "Trop de tentatives. Réessayez dans 2 minutes." in page


@pytest.mark.parametrize(
    ("lang", "seconds", "message"),
    [
        ("en", 1, "Too many attempts. Try again in 1 minute."),
        ("en", 60, "Too many attempts. Try again in 1 minute."),
        ("en", 61, "Too many attempts. Try again in 2 minutes."),
        ("fr", 1, "Trop de tentatives. Réessayez dans 1 minute."),
        ("fr", 60, "Trop de tentatives. Réessayez dans 1 minute."),
        ("fr", 61, "Trop de tentatives. Réessayez dans 2 minutes."),
    ],
)
def test_rate_limit_message_says_one_minute_in_the_singular(client, lang, seconds, message):
    query = f"lang={lang}&error_code=rate_limited&retry_after_seconds={seconds}"
    assert message in client.get(f"/login?{query}").text


def test_field_without_error_is_not_marked_invalid(client):
    page = client.get("/login").text
    assert "aria-invalid" not in page
    assert 'class="error-summary"' not in page


def test_email_and_client_name_are_escaped(client):
    page = client.get(
        "/login",
        params={"email": '"><script>alert(1)</script>', "client_name": "<b>Portail</b>"},
    ).text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Portail</b>" not in page
    assert "&lt;b&gt;Portail&lt;/b&gt;" in page


def test_client_name_is_announced_on_the_sign_in_page(client):
    assert (
        "Sign in to continue to Portail des visas"
        in client.get("/login?client_name=Portail des visas").text
    )


def test_forms_carry_the_csrf_token(client):
    for path in ("/login", "/consent", "/logout", "/account"):
        page = client.get(path).text
        assert f'<input type="hidden" name="csrf_token" value="{CSRF_TOKEN}">' in page, path


def test_every_template_uses_the_form_macros_as_they_are_defined():
    """`csrf()` reads the page's token: imported without context it would render empty."""
    for template in (IDP / "templates").rglob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert not re.search(r'"macros/', source), f"{template}: the macros live in _macros/"
        assert not re.search(r"csrf\([^)]", source), f"{template}: csrf() takes no argument"
        if "csrf()" in source and "_macros" not in template.parts:
            imports = r'{% from "_macros/forms.html" import [^%]*with context %}'
            assert re.search(imports, source), f"{template}: import the macros with context"


def test_consent_explains_each_scope_and_shows_unknown_ones_by_name(client):
    page = client.get("/consent").text
    for label in ("See your name", "See your email address", "See your applications"):
        assert label in page
    assert "<code>x</code>" in page
    assert 'name="decision" value="allow">Allow</button>' in page
    assert 'name="decision" value="deny">Deny</button>' in page
    assert '<input type="hidden" name="interaction" value="int-123">' in page


def test_consent_in_french(client):
    page = client.get("/consent?lang=fr").text
    assert "Voir vos demandes" in page
    assert ">Autoriser</button>" in page


def test_logout_confirmation_reposts_the_hidden_fields(client):
    page = client.get("/logout").text
    assert '<form method="post" action="/logout">' in page
    assert '<input type="hidden" name="state" value="s-1">' in page
    assert '<input type="hidden" name="client_id" value="c-1">' in page


def test_error_page_translates_the_message_but_not_the_technical_detail(client):
    response = client.get("/error?lang=fr")
    assert response.status_code == 400
    assert "<h1>Cette demande ne peut pas être traitée</h1>" in response.text
    assert "<code>redirect_uri is not registered for this client</code>" in response.text
    assert "This request cannot be completed" not in response.text


def test_account_page_names_the_person(client):
    assert "You are signed in as Nadia Haddad" in client.get("/account").text


def test_every_page_has_a_skip_link_landmarks_and_a_stylesheet(client):
    for path in SAMPLES:
        page = client.get(path).text
        assert '<a class="skip-link" href="#main">' in page, path
        assert '<main id="main"' in page, path
        assert '<link rel="stylesheet" href="/static/passerelle.css">' in page, path
        assert "<script>" not in page, path  # no inline script: the CSP forbids it
        assert " style=" not in page, path


def test_french_labels_put_a_non_breaking_space_before_the_colon(client):
    assert "Email address: nadia@example.ca" in client.get("/account?lang=en").text
    assert "Adresse courriel\u00a0: nadia@example.ca" in client.get("/account?lang=fr").text


def test_stylesheet_is_served(client):
    response = client.get("/static/passerelle.css")
    assert response.status_code == 200
    assert ":focus" in response.text


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
