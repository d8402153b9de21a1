"""The portal profiles the service runs with, and which client each one is.

Loaded once at start (`Components.portal_profiles`) from the shipped profiles or
`IDP_PORTAL_PROFILES_DIR`; a client is tied to its profile by slug (`profile_slug`, set by
`idp portals sync`), so pages and mails read a portal's name in the person's language and
its status labels and program names through the client they already hold. A client without
a profile keeps its registered name, and its status and program codes show as they are.
An application with no program reads "Application" ("Demande") in either case.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from adapters.portals import LocalizedText, PortalProfile, load_portal_profiles
from idp.clients.service import RegisteredClient

# An application held under no program (a legacy portal's import named none): stored
# empty, named here in the reader's language, as the catalogues name the column.
UNNAMED_PROGRAM = LocalizedText(en="Application", fr="Demande")


@dataclass(frozen=True)
class PortalProfiles:
    by_slug: Mapping[str, PortalProfile]

    @classmethod
    def load(cls, folder: Path | None = None) -> PortalProfiles:
        """Every profile of `folder` (the shipped ones by default); `ProfileError` names
        the file and the field when one is wrong, so the service does not start."""
        profiles = load_portal_profiles(folder)
        return cls(MappingProxyType({p.slug: p for p in profiles}))

    def __iter__(self) -> Iterator[PortalProfile]:
        return iter(self.by_slug.values())

    def __len__(self) -> int:
        return len(self.by_slug)

    def of(self, client: RegisteredClient | None) -> PortalProfile | None:
        if client is None or client.profile_slug is None:
            return None
        return self.by_slug.get(client.profile_slug)

    def claims_of(self, client: RegisteredClient | None) -> frozenset[str] | None:
        """The claims the client's profile lists; None for a client without a profile
        (what it receives is then decided by its scopes alone)."""
        profile = self.of(client)
        return None if profile is None else frozenset(profile.claims)

    def portal_name(self, client: RegisteredClient | None, language: str) -> str:
        profile = self.of(client)
        if profile is not None:
            return profile.names.in_language(language)
        return client.name if client is not None else ""

    def status_label(self, client: RegisteredClient | None, code: str, language: str) -> str:
        profile = self.of(client)
        return code if profile is None else profile.status_label(code, language)

    def program_label(self, client: RegisteredClient | None, code: str, language: str) -> str:
        if not code:
            return UNNAMED_PROGRAM.in_language(language)
        profile = self.of(client)
        return code if profile is None else profile.program_label(code, language)
