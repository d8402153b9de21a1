"""Counts on pages take the plural form of the page's language: English says "1 code",
French says "0 code" and "1 code" but "2 codes"."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from idp.http.locale import load_translations
from idp.http.pages import Pages, create_template_env
from tests.idp.http.demo_pages import IDP

PAGES = Pages(create_template_env(load_translations(IDP / "locale")))


def render(template: str, context: dict[str, Any], lang: str) -> str:
    app = FastAPI()

    @app.get("/")
    def page(request: Request) -> HTMLResponse:
        request.state.locale = lang
        request.state.csrf_token = "csrf"
        return PAGES.render(request, template, context)

    with TestClient(app, base_url="https://testserver") as client:
        return " ".join(client.get("/").text.split())


DASHBOARD = {
    "clients": 1,
    "total": 1,
    "portals": [],
    "filter": {},
    "rows": [],
    "representative": None,
}


@pytest.mark.parametrize(
    ("lang", "clients", "total", "expected"),
    [
        ("en", 1, 1, "1 client, 1 application across portals."),
        ("en", 2, 2, "2 clients, 2 applications across portals."),
        ("fr", 1, 1, "1 client, 1 demande, tous portails confondus."),
        ("fr", 2, 2, "2 clients, 2 demandes, tous portails confondus."),
    ],
)
def test_the_dashboard_counts_clients_and_applications(lang, clients, total, expected):
    context = DASHBOARD | {"clients": clients, "total": total}
    assert expected in render("console/dashboard.html", context, lang)


@pytest.mark.parametrize(
    ("lang", "notice", "expected"),
    [
        ("en", "suspended_1", "1 delegation stopped at once."),
        ("en", "suspended_2", "2 delegations stopped at once."),
        ("fr", "suspended_1", "1 délégation a cessé immédiatement."),
        ("fr", "suspended_2", "2 délégations ont cessé immédiatement."),
        ("en", "reinstated_1", "1 delegation is back as it was."),
        ("en", "reinstated_2", "2 delegations are back as they were."),
        ("fr", "reinstated_1", "1 délégation est revenue comme avant."),
        ("fr", "reinstated_2", "2 délégations sont revenues comme avant."),
    ],
)
def test_suspending_a_representative_counts_the_delegations_stopped(lang, notice, expected):
    context = {"notice": notice, "query": "", "errors": {}, "found": None}
    assert expected in render("officer/representatives.html", context, lang)


@pytest.mark.parametrize(
    ("lang", "codes", "expected"),
    [
        ("en", 1, "You have 1 unused code."),
        ("en", 2, "You have 2 unused codes."),
        ("fr", 0, "Il vous reste 0 code inutilisé."),
        ("fr", 1, "Il vous reste 1 code inutilisé."),
        ("fr", 2, "Il vous reste 2 codes inutilisés."),
    ],
)
def test_the_security_page_counts_the_unused_recovery_codes(lang, codes, expected):
    context = {"factors": {"recovery_codes": codes}, "passkeys": [], "errors": {}}
    assert expected in render("console/security.html", context, lang)


@pytest.mark.parametrize(
    ("lang", "wait", "expected"),
    [
        ("en", 1, "Wait 1 second before asking for another."),
        ("en", 2, "Wait 2 seconds before asking for another."),
        ("fr", 1, "Attendez 1 seconde avant d’en demander un autre."),
        ("fr", 2, "Attendez 2 secondes avant d’en demander un autre."),
    ],
)
def test_the_enrolment_code_page_counts_the_seconds_to_wait(lang, wait, expected):
    context = {"notice": f"wait_{wait}", "email": "ana@example.ca", "minutes": 10, "errors": {}}
    assert expected in render("enrolment/email.html", context, lang)
