"""What one authorization request ends with (`idp.oauth.authorization`'s steps return
one, or None to go on): a redirect to the portal, or a page for the person. The route
turns each into its response."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from idp.clients.service import RegisteredClient


@dataclass(frozen=True, slots=True)
class Redirect:
    location: str


@dataclass(frozen=True, slots=True)
class ShowError:
    error: str
    description: str


@dataclass(frozen=True, slots=True)
class ShowLogin:
    interaction_id: str


@dataclass(frozen=True, slots=True)
class ShowConsent:
    """The consent page; the route names `client` by its profile in the page's language."""

    interaction_id: str
    client: RegisteredClient
    scopes: list[str]
    ui_locales: str | None = None
    redirect_uri: str | None = None  # where the form's answer goes: its CSP must allow it


@dataclass(frozen=True, slots=True)
class ShowStepUp:
    interaction_id: str
    account_id: str
    sid: str


@dataclass(frozen=True, slots=True)
class ShowDelegatedConsent:
    """RFC 9396 in the browser: the representative confirms acting for the applicant."""

    interaction_id: str
    client: RegisteredClient
    principal_name: str
    granted: list[dict[str, Any]]
    ui_locales: str | None = None
    redirect_uri: str | None = None


Outcome = Redirect | ShowError | ShowLogin | ShowConsent | ShowStepUp | ShowDelegatedConsent
