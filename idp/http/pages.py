"""Rendering server-side pages in the request's language.

One Jinja2 environment per language, each with that language's gettext installed, so
concurrent requests in English and French never share translation state. Every page gets
`locale`, `other_locale`, `switch_url` (this URL in the other language), `csrf_token`
and `request`, and is sent with `Cache-Control: no-store` and `Content-Language`. The `display_time`
filter shows a stored time in the service's zone and the page's language (`idp.http.times`).
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from idp.http.times import format_time

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def create_template_env(
    translations: dict[str, Translations], zone: tzinfo = UTC
) -> dict[str, Environment]:
    """One autoescaping environment per language, its catalogue installed (newstyle gettext),
    times shown in `zone` (`IDP_DISPLAY_TIMEZONE`).

    Not one environment with per-render callables: macros imported without context, and
    overlays (which share `globals`), would see another request's language.
    """
    environments = {}
    for locale, catalogue in translations.items():
        env = Environment(
            loader=FileSystemLoader(TEMPLATE_DIR),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(catalogue, newstyle=True)  # type: ignore[attr-defined]
        env.filters["display_time"] = partial(_display_time, locale=locale, zone=zone)
        environments[locale] = env
    return environments


def _display_time(at: object, *, locale: str, zone: tzinfo) -> str:
    """The `display_time` filter: a datetime or seconds since the epoch; nothing stays empty."""
    if at is None or at == "":
        return ""
    return format_time(at, locale, zone)  # type: ignore[arg-type]  # datetime or number


def switch_url(request: Request, other_locale: str) -> str:
    """This page in the other language: every query parameter kept, `lang` replaced.

    `ui_locales` may stay: an explicit `lang` outranks it. Relative, so it never points
    at a host taken from the request.
    """
    try:
        pairs = parse_qsl(request.url.query, keep_blank_values=True, max_num_fields=200)
    except ValueError:
        pairs = []
    kept = [(k, v) for k, v in pairs if k != "lang"]
    # `//evil.example/x` would be a link to another host: one leading slash, always.
    path = "/" + request.url.path.lstrip("/\\")
    return f"{path}?{urlencode([*kept, ('lang', other_locale)])}"


class Pages:
    """Renders a template in the request's language (`request.state.locale`)."""

    def __init__(self, environments: dict[str, Environment]) -> None:
        self._environments = environments

    def render(
        self, request: Request, template_name: str, context: dict[str, Any], status_code: int = 200
    ) -> HTMLResponse:
        locale = getattr(request.state, "locale", "en")
        if locale not in self._environments:  # no middleware ran: `lang` must match the text
            locale = "en"
        other = "fr" if locale == "en" else "en"
        env = self._environments[locale]
        values = {
            "locale": locale,
            "other_locale": other,
            "switch_url": switch_url(request, other),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "request": request,
            **context,
        }
        html = env.get_template(template_name).render(values)
        return HTMLResponse(
            html,
            status_code=status_code,
            headers={"Cache-Control": "no-store", "Content-Language": locale},
        )


def render_page(
    request: Request, template_name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render with the app's `Pages` (typed access to `app.state`)."""
    pages: Pages = request.app.state.pages
    return pages.render(request, template_name, context, status_code=status_code)
