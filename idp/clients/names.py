"""How pages name portals, their programs and their application statuses: the portals'
profiles, in the page's language, each client read once per page (`PortalNames`). A portal
without a profile shows its registered name and its program and status codes as they are.

Shared by every page listing applications (`/account/applications`, the representative's
dashboard, the household), so one portal reads the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from starlette.requests import Request

from idp.clients.profiles import PortalProfiles
from idp.clients.service import RegisteredClient, find_client
from idp.http.locale import SUPPORTED_LOCALES


@dataclass
class PortalNames:
    """Portal names, program names and status labels in the page's language (from the
    portals' profiles), each client read once per page; a portal without a profile shows
    its registered name and its program and status codes as they are."""

    db: Session
    profiles: PortalProfiles
    language: str = "en"
    _clients: dict[str, RegisteredClient | None] = field(default_factory=dict)

    def _client(self, client_id: str) -> RegisteredClient | None:
        if client_id not in self._clients:
            self._clients[client_id] = find_client(self.db, client_id)
        return self._clients[client_id]

    def name(self, client_id: str | None) -> str:
        if not client_id:
            return ""
        return self.profiles.portal_name(self._client(client_id), self.language) or client_id

    def status(self, client_id: str, code: str) -> str:
        return self.profiles.status_label(self._client(client_id), code, self.language)

    def program(self, client_id: str, code: str) -> str:
        return self.profiles.program_label(self._client(client_id), code, self.language)

    def name_in_each_language(self, client_id: str) -> dict[str, str]:
        """The portal's name in each page language, for a page kept for its language switch
        (`idp.http.snapshots`): the other language then shows its own, picked by the template."""
        client = self._client(client_id)
        return {
            language: self.profiles.portal_name(client, language) or client_id
            for language in SUPPORTED_LOCALES
        }

    def program_in_each_language(self, client_id: str, code: str) -> dict[str, str]:
        """A program's name in each page language, as `name_in_each_language`."""
        client = self._client(client_id)
        return {
            language: self.profiles.program_label(client, code, language)
            for language in SUPPORTED_LOCALES
        }

    def status_in_each_language(self, client_id: str, code: str) -> dict[str, str]:
        """A status's label in each page language, as `name_in_each_language`."""
        client = self._client(client_id)
        return {
            language: self.profiles.status_label(client, code, language)
            for language in SUPPORTED_LOCALES
        }


def portal_names(request: Request, db: Session, profiles: PortalProfiles) -> PortalNames:
    return PortalNames(db, profiles, getattr(request.state, "locale", "en"))
