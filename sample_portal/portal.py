"""What every route needs: the portal's state (`Portal`, one per app) and page rendering.

Pages are Jinja2 templates in `templates/`, autoescaped, each extending `base.html`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from sample_portal.config import PortalConfig
from sample_portal.events import ReceivedEvents
from sample_portal.portal_api import PortalApi
from sample_portal.provider import Provider
from sample_portal.sessions import PortalSession, SessionStore

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


@dataclass
class Portal:
    config: PortalConfig
    provider: Provider
    api: PortalApi
    sessions: SessionStore
    events: ReceivedEvents

    def session_of(self, request: Request) -> PortalSession | None:
        return self.sessions.find(request.cookies.get(self.config.cookie_name))


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    portal = portal_of(request)
    base = {"portal_name": portal.config.name, "session": portal.session_of(request)}
    return TEMPLATES.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


def error_page(request: Request, status_code: int, title: str, detail: str) -> Response:
    return render(request, "error.html", {"title": title, "detail": detail}, status_code)
