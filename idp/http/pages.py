"""Rendering server-side pages in the request's language.

One Jinja2 environment per language, each with that language's gettext installed, so
concurrent requests in English and French never share translation state. Every page gets
`locale`, `other_locale`, `switch_url` (this URL in the other language), `csrf_token`
and `request`, and is sent with `Cache-Control: no-store` and `Content-Language`. The
`display_time` filter shows a stored time in the service's zone and the page's language,
`display_date` the day it falls on there (`idp.http.times`), and `display_timezone` names
that zone. A page answering a form also gets `switch_snapshot`: its language switch posts
that id to `/language` instead of linking to its path (`idp.http.snapshots`); so does a
page a GET shows once (`keep`: its link would do again what the GET did). A page framing
other sites names their origins (`frame_sources`): its Content-Security-Policy allows them,
and so does the page its language switch shows.
A page whose form may end in a redirect to a native app's private-use URI names that
scheme (`form_action_schemes`): its CSP `form-action` allows it, and so does the page its
language switch shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from idp.http.security_headers import content_security_policy
from idp.http.snapshots import PageSnapshots
from idp.http.times import format_date, format_time

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
        env.filters["display_date"] = partial(_display_date, zone=zone)
        env.globals["display_timezone"] = getattr(zone, "key", str(zone))  # America/Toronto
        environments[locale] = env
    return environments


def _display_time(at: object, *, locale: str, zone: tzinfo) -> str:
    """The `display_time` filter: a datetime or seconds since the epoch; nothing stays empty."""
    if at is None or at == "":
        return ""
    return format_time(at, locale, zone)  # type: ignore[arg-type]  # datetime or number


def _display_date(at: object, *, zone: tzinfo) -> str:
    """The `display_date` filter: an instant's day in the service's zone; nothing stays
    empty. For instants only: a date by nature (`date`) is shown as it is."""
    if at is None or at == "":
        return ""
    return format_date(at, zone)  # type: ignore[arg-type]  # datetime or number


def switch_url(request: Request, other_locale: str, address: str | None = None) -> str:
    """This page in the other language: every query parameter kept, `lang` replaced.

    `address` is the page's own address when it answers a form posted elsewhere (the
    security page after `POST /account/security/password`). `ui_locales` may stay: an
    explicit `lang` outranks it. Relative, so it never points at a host taken from the
    request.
    """
    target = urlsplit(address) if address is not None else request.url
    try:
        pairs = parse_qsl(target.query, keep_blank_values=True, max_num_fields=200)
    except ValueError:
        pairs = []
    kept = [(k, v) for k, v in pairs if k != "lang"]
    # `//evil.example/x` would be a link to another host: one leading slash, always.
    path = "/" + target.path.lstrip("/\\")
    return f"{path}?{urlencode([*kept, ('lang', other_locale)])}"


class Pages:
    """Renders a template in the request's language (`request.state.locale`); with
    `snapshots`, keeps each page answering a form for its language switch."""

    def __init__(
        self, environments: dict[str, Environment], snapshots: PageSnapshots | None = None
    ) -> None:
        self._environments = environments
        self.snapshots = snapshots

    def _snapshot(
        self,
        request: Request,
        template_name: str,
        context: dict[str, Any],
        status_code: int,
        retry_after_seconds: int,
        frame_sources: Sequence[str],
        form_action_schemes: Sequence[str],
        keep: bool,
    ) -> str | None:
        # Error pages are no step of a flow, and their handlers run on the event loop.
        if self.snapshots is None or (request.method != "POST" and not keep):
            return None
        if template_name.startswith("errors/"):
            return None
        return self.snapshots.save(
            request,
            template_name,
            context,
            status_code,
            retry_after_seconds,
            frame_sources,
            form_action_schemes,
        )

    def render(
        self,
        request: Request,
        template_name: str,
        context: dict[str, Any],
        status_code: int = 200,
        address: str | None = None,
        retry_after_seconds: int = 0,
        *,
        frame_sources: Sequence[str] = (),
        keep: bool = False,
        form_action_schemes: Sequence[str] = (),
    ) -> HTMLResponse:
        """`address`: where this page is shown by a GET, for when it answers a form posted
        to another path (no GET there), or is kept (`keep`): its language switch's link, or
        fallback. `retry_after_seconds`: a rate-limited answer's wait, sent as `Retry-After`
        and given to the template as `retry_after_seconds` (kept by the language switch).
        `frame_sources`: the origins the page frames, allowed by its CSP's `frame-src`.
        `keep`: a page a GET shows is kept for its language switch too.
        `form_action_schemes`: private-use schemes the page's forms may end on."""
        locale = getattr(request.state, "locale", "en")
        if locale not in self._environments:  # no middleware ran: `lang` must match the text
            locale = "en"
        other = "fr" if locale == "en" else "en"
        env = self._environments[locale]
        values = {
            "locale": locale,
            "other_locale": other,
            "switch_url": switch_url(
                request, other, address if request.method == "POST" or keep else None
            ),
            "switch_snapshot": self._snapshot(
                request,
                template_name,
                context,
                status_code,
                retry_after_seconds,
                frame_sources,
                form_action_schemes,
                keep,
            ),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "request": request,
            **context,
            "retry_after_seconds": retry_after_seconds,
        }
        html = env.get_template(template_name).render(values)
        headers = {"Cache-Control": "no-store", "Content-Language": locale}
        if retry_after_seconds:
            headers["Retry-After"] = str(retry_after_seconds)
        if frame_sources or form_action_schemes:  # the security headers middleware keeps it
            headers["Content-Security-Policy"] = content_security_policy(
                frame_sources=frame_sources, form_action_schemes=form_action_schemes
            )
        return HTMLResponse(html, status_code=status_code, headers=headers)


def render_page(
    request: Request,
    template_name: str,
    context: dict[str, Any],
    status_code: int = 200,
    address: str | None = None,
    retry_after_seconds: int = 0,
    *,
    frame_sources: Sequence[str] = (),
    keep: bool = False,
    form_action_schemes: Sequence[str] = (),
) -> HTMLResponse:
    """Render with the app's `Pages` (typed access to `app.state`)."""
    pages: Pages = request.app.state.pages
    return pages.render(
        request,
        template_name,
        context,
        status_code=status_code,
        address=address,
        retry_after_seconds=retry_after_seconds,
        frame_sources=frame_sources,
        keep=keep,
        form_action_schemes=form_action_schemes,
    )
