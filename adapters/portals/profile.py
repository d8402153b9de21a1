"""A portal's profile: who the portal is, where it listens, and what it may receive.

One TOML file per portal in `profiles/` becomes one frozen `PortalProfile` (`loader.py`
reads and checks it). `to_client_fields` gives the client-registration fields that
`idp portals sync` registers or compares. Subject identifiers follow OpenID Connect Core
§8: `public` for IRCC's own portals; `pairwise` for portals other organisations run, within
a sector named by a host (the value §8.1 takes from the host of `sector_identifier_uri`).
Delegated actions are consent's catalogue, spelled out here because adapters may not
import consent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypedDict

from adapters.localized_text import LocalizedText

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105  # a URN
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials", TOKEN_EXCHANGE_GRANT)
# private_key_jwt needs the portal's public keys, which a profile does not carry yet.
TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
# OpenID Connect Dynamic Client Registration 1.0 §2; `native`: RFC 8252 redirect URIs.
APPLICATION_TYPES = ("web", "native")
# consent's action catalogue (DESIGN §5); a designated individual gets at most READ_ACTIONS.
DELEGATED_ACTIONS = (
    "application.read",
    "correspondence.read",
    "correspondence.reply",
    "documents.upload",
    "application.submit",
    "payment.make",
    "application.withdraw",
)
READ_ACTIONS = ("application.read", "correspondence.read")


class SubjectType(StrEnum):
    """OpenID Connect Core §8 subject identifier types (wire values)."""

    PUBLIC = "public"
    PAIRWISE = "pairwise"


class ClientFields(TypedDict):
    """What a portal registers as an OIDC client, named as client registration names it."""

    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    grant_types: list[str]
    auth_method: str
    scope: str
    first_party: bool
    backchannel_logout_uri: str | None
    frontchannel_logout_uri: str | None
    events_uri: str | None
    subject_type: str
    sector_identifier: str | None
    application_type: str


@dataclass(frozen=True, slots=True)
class PortalProfile:
    """A portal as its profile file declares it; see `profiles/ircc-portal.toml`.

    `representatives_allowed`: representatives (paid or unpaid) may be appointed to act
    here; when False, only designated individuals hold delegations, so `delegated_actions`
    is limited to `READ_ACTIONS`. `delegated_actions`: what any delegation at this portal
    may carry. `events_uri`: where delegation Security Event Tokens are delivered.
    `statuses`: the portal's status codes, each with its English and French label.
    `programs` (optional `[programs]` table): the program codes the portal reports
    applications under (`study_permit`), each with its English and French name; a portal
    that sends its programs as free text lists none, and its text shows as sent.
    `application_type` (optional, `web` by default): `native` for an app on the person's
    device, whose loopback redirect URIs may name any port (RFC 8252 §7.3).
    """

    slug: str
    names: LocalizedText
    description: LocalizedText
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    backchannel_logout_uri: str | None
    frontchannel_logout_uri: str | None
    events_uri: str | None
    scopes: tuple[str, ...]
    claims: tuple[str, ...]
    grant_types: tuple[str, ...]
    token_endpoint_auth_method: str
    first_party: bool
    representatives_allowed: bool
    delegated_actions: tuple[str, ...]
    subject_type: SubjectType
    sector_identifier: str | None
    statuses: Mapping[str, LocalizedText]
    programs: Mapping[str, LocalizedText]
    application_type: str = APPLICATION_TYPES[0]

    def status_label(self, code: str, language: str) -> str:
        """The label of a status code; the code itself if the profile does not list it
        (a portal may report a new status before its profile catches up)."""
        label = self.statuses.get(code)
        return code if label is None else label.in_language(language)

    def program_label(self, code: str, language: str) -> str:
        """The name of a program code; the text as the portal sent it if the profile does
        not list it (a portal may send free text, or a new program)."""
        label = self.programs.get(code)
        return code if label is None else label.in_language(language)

    def to_client_fields(self) -> ClientFields:
        return ClientFields(
            name=self.names.en,
            redirect_uris=list(self.redirect_uris),
            post_logout_redirect_uris=list(self.post_logout_redirect_uris),
            grant_types=list(self.grant_types),
            auth_method=self.token_endpoint_auth_method,
            scope=" ".join(self.scopes),
            first_party=self.first_party,
            backchannel_logout_uri=self.backchannel_logout_uri,
            frontchannel_logout_uri=self.frontchannel_logout_uri,
            events_uri=self.events_uri,
            subject_type=self.subject_type.value,
            sector_identifier=self.sector_identifier,
            application_type=self.application_type,
        )
