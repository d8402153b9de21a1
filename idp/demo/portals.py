"""The demo's portals: their shipped profiles, registered on loopback by `idp portals sync`.

Each profile is kept, except where the portal is reached: the demo runs every portal on
`http://127.0.0.1:<port>`, so the redirect, logout, back-channel logout and events URIs
point there (`loopback_profile`), and `sync_portal_profiles` registers it, recording its
slug on the client. Running the demo again finds each portal by that slug, brings those
URIs up to date (the ports may differ) and gives it a new secret, since a secret is only
ever shown once: nothing is added. A client an older demo registered by name alone is
adopted as its profile's client, not registered twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import PROFILES_FOLDER, PortalProfile, load_portal_profiles
from idp.clients.models import Client
from idp.clients.service import rotate_client_secret
from idp.clients.sync import sync_portal_profiles

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
    def profile_file(self) -> Path:
        """The shipped profile it was registered from (`demo_profiles`): the sample portal
        reads its program and status names there (`PORTAL_PROFILE`)."""
        return PROFILES_FOLDER / f"{self.profile.slug}.toml"

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


def loopback_profile(profile: PortalProfile, base_url: str) -> PortalProfile:
    """The profile, reached at `base_url` instead of its public host."""
    return replace(
        profile,
        redirect_uris=(f"{base_url}/callback",),
        post_logout_redirect_uris=(f"{base_url}/signed-out",),
        backchannel_logout_uri=(
            f"{base_url}/backchannel-logout" if profile.backchannel_logout_uri else None
        ),
        events_uri=f"{base_url}/events" if profile.events_uri else None,
        frontchannel_logout_uri=None,  # the sample portal has none
    )


def register_demo_portal(
    db: Session, profile: PortalProfile, port: int, now: datetime
) -> DemoPortal:
    """Register the portal, or bring the one a previous run registered up to date."""
    _adopt_named_client(db, profile)
    local = loopback_profile(profile, f"http://{LOOPBACK_HOST}:{port}")
    (result,) = sync_portal_profiles(db, [local], now)
    client_id = str(result.client_id)
    secret = result.client_secret or rotate_client_secret(db, client_id)
    return DemoPortal(profile, port, client_id, secret)


def _adopt_named_client(db: Session, profile: PortalProfile) -> None:
    """An older demo registered its portals by name, without their slug: tie such a client
    to its profile, so the sync updates it instead of refusing a second one of that name."""
    if db.scalar(select(Client.client_id).where(Client.profile_slug == profile.slug)):
        return
    named = db.scalar(
        select(Client).where(Client.name == profile.names.en, Client.profile_slug.is_(None))
    )
    if named is not None:
        named.profile_slug = profile.slug
        db.flush()
