"""The demo's portals: their shipped profiles, registered as clients on loopback.

Each profile's client fields (`PortalProfile.to_client_fields`) are kept, except where
the portal is reached: the demo runs every portal on `http://127.0.0.1:<port>`, so the
redirect, logout, back-channel logout and events URIs point there. Running the demo again
finds each portal by its name, brings those URIs up to date (the ports may differ) and
gives it a new secret, since a secret is only ever shown once: nothing is added.

TODO(#11): register through `idp portals sync` with a loopback base URL once it exists
(it records the profile's slug on the client); until then `create_client` does it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import ClientFields, PortalProfile, load_portal_profiles
from idp.clients.service import (
    create_client,
    list_clients,
    rotate_client_secret,
    update_client_uris,
)

DEMO_PORTAL_SLUGS = ("ircc-portal", "pr-portal", "apr-portal")
DEFAULT_PORTAL_PORTS = (8101, 8102, 8103)
LOOPBACK_HOST = "127.0.0.1"
PORTAL_API_SCOPES = ("applications:write", "delegations:read")


@dataclass(frozen=True, slots=True)
class DemoPortal:
    """A registered demo portal and what its process needs to start."""

    profile: PortalProfile
    port: int
    client_id: str
    client_secret: str

    @property
    def name(self) -> str:
        return self.profile.names.en

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK_HOST}:{self.port}"

    @property
    def api_scope(self) -> str:
        """The portal-API scopes its profile allows (the PR portal reads no delegations)."""
        return " ".join(s for s in PORTAL_API_SCOPES if s in self.profile.scopes)


def demo_profiles() -> list[PortalProfile]:
    """The shipped profiles of the demo's portals, in `DEMO_PORTAL_SLUGS` order."""
    by_slug = {profile.slug: profile for profile in load_portal_profiles()}
    return [by_slug[slug] for slug in DEMO_PORTAL_SLUGS]


def loopback_fields(profile: PortalProfile, base_url: str) -> ClientFields:
    """The profile's client fields, reached at `base_url` instead of its public host."""
    fields = profile.to_client_fields()
    fields["redirect_uris"] = [f"{base_url}/callback"]
    fields["post_logout_redirect_uris"] = [f"{base_url}/signed-out"]
    if profile.backchannel_logout_uri:
        fields["backchannel_logout_uri"] = f"{base_url}/backchannel-logout"
    if profile.events_uri:
        fields["events_uri"] = f"{base_url}/events"
    fields["frontchannel_logout_uri"] = None  # the sample portal has none
    return fields


def register_demo_portal(
    db: Session, profile: PortalProfile, port: int, now: datetime
) -> DemoPortal:
    """Register the portal, or bring the one a previous run registered up to date."""
    fields = loopback_fields(profile, f"http://{LOOPBACK_HOST}:{port}")
    existing = next((c for c in list_clients(db) if c.name == fields["name"]), None)
    if existing is None:
        client, secret = create_client(
            db,
            name=fields["name"],
            redirect_uris=fields["redirect_uris"],
            post_logout_redirect_uris=fields["post_logout_redirect_uris"],
            grant_types=fields["grant_types"],
            auth_method=fields["auth_method"],
            first_party=fields["first_party"],
            scope=fields["scope"],
            backchannel_logout_uri=fields["backchannel_logout_uri"],
            events_uri=fields["events_uri"],
            now=now,
        )
        return DemoPortal(profile, port, client.client_id, secret or "")
    update_client_uris(
        db,
        existing.client_id,
        redirect_uris=fields["redirect_uris"],
        post_logout_redirect_uris=fields["post_logout_redirect_uris"],
        backchannel_logout_uri=fields["backchannel_logout_uri"],
        events_uri=fields["events_uri"],
    )
    return DemoPortal(
        profile, port, existing.client_id, rotate_client_secret(db, existing.client_id)
    )
