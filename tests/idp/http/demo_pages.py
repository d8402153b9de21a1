"""A tiny app of its own for the page templates: `demo_app()` renders each one with the
view model its route passes, behind the real locale and security-header middleware.

The page tests here and the browser smoke test (`tests/browser/test_templates_render.py`)
serve it: the templates are checked without the routes, database or sessions of the real
service.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

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

VISA_PORTAL = {"en": "Portail des visas", "fr": "Portail des visas"}

# Each page of the demo app: its template and the view model the real route passes.
SAMPLES = {
    "/login": (
        "authn/login.html",
        {"interaction": "int-123", "email": "", "error_code": None, "client_names": None},
    ),
    "/consent": (
        "oauth/consent.html",
        {
            "client_names": VISA_PORTAL,
            "scopes": ["openid", "profile", "email", "offline_access", "applications:read", "x"],
            "interaction": "int-123",
        },
    ),
    "/logout": (
        "oidc/logout_confirm.html",
        {"client_names": VISA_PORTAL, "hidden": {"state": "s-1", "client_id": "c-1"}},
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
                    "until": datetime(2027, 7, 1, 3, 59, tzinfo=UTC),  # 23:59 in Toronto
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
                    "until": datetime(2027, 7, 1, 3, 59, tzinfo=UTC),  # 23:59 in Toronto
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
                    "created": datetime(2026, 11, 25, 14, 3, tzinfo=UTC),
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
        if "client_name" in request.query_params:  # the portal's name, in both languages
            name = request.query_params["client_name"]
            overrides["client_names"] = {"en": name, "fr": name}
        retry = int(request.query_params.get("retry_after_seconds", 0))
        request.state.csrf_token = CSRF_TOKEN
        status = int(context.get("status_code", 200))
        return pages.render(
            request, template, {**context, **overrides}, status, retry_after_seconds=retry
        )

    for path in SAMPLES:
        app.add_api_route(path, render, methods=["GET"], response_class=HTMLResponse)
    app.mount("/static", StaticFiles(directory=IDP / "static"), name="static")
    app.add_middleware(LocaleMiddleware, default_locale="en")
    app.add_middleware(SecurityHeadersMiddleware, hsts=False)
    return app


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
