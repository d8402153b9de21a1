"""`idp portals sync`: every portal profile registered as a client, idempotently.

A profile is tied to its client by slug (`idp_clients.profile_slug`), never by name, so a
portal renamed in its profile is the same client with a new name. Each profile is
`created` (a new client id and, unless the portal is public, a secret shown once),
`updated` (naming the fields that changed) or `unchanged`. A secret is never generated
again for an existing client: only a client that moves to a secret-based authentication
method without one gets its first. A pairwise client's subject type and sector cannot
change: every `sub` the portal holds would change with them (OpenID Connect Core §8.1).

Every profile is checked before anything is written, with the registration rules of
`service.py`; the caller's unit of work makes the run all or nothing, and `dry_run`
writes nothing at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.portals import PortalProfile
from idp.clients.models import Client
from idp.clients.registration import (
    ClientSettings,
    check_client_settings,
    needs_secret,
    settings_columns,
)
from idp.clients.service import digest_secret, register_client
from idp.errors import Conflict, InvalidInput

# Changing these would change every `sub` the portal already holds.
FIXED_FIELDS = ("subject_type", "sector_identifier")


class SyncAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class SyncResult:
    slug: str
    action: SyncAction
    client_id: str | None  # None only for a client a dry run would create
    name: str
    changed: tuple[str, ...] = ()
    client_secret: str | None = None  # a new secret, shown once


def client_settings(profile: PortalProfile) -> ClientSettings:
    """The registration a profile asks for (its `claims` list is enforced at release,
    `idp.oidc.claims`)."""
    fields = profile.to_client_fields()
    return ClientSettings(
        name=fields["name"],
        redirect_uris=tuple(fields["redirect_uris"]),
        post_logout_redirect_uris=tuple(fields["post_logout_redirect_uris"]),
        grant_types=tuple(fields["grant_types"]),
        token_endpoint_auth_method=fields["auth_method"],
        scope=fields["scope"],
        first_party=fields["first_party"],
        backchannel_logout_uri=fields["backchannel_logout_uri"],
        events_uri=fields["events_uri"],
        subject_type=fields["subject_type"],
        sector_identifier=fields["sector_identifier"],
        frontchannel_logout_uri=fields["frontchannel_logout_uri"],
        application_type=fields["application_type"],
    )


def sync_portal_profiles(
    db: Session, profiles: Iterable[PortalProfile], now: datetime, *, dry_run: bool = False
) -> list[SyncResult]:
    """Register or update the client of each profile; the results in the profiles' order."""
    checked = [(p.slug, check_client_settings(client_settings(p))) for p in profiles]
    _check_distinct_names(checked)
    return [_sync_one(db, slug, settings, now, dry_run) for slug, settings in checked]


def _check_distinct_names(checked: list[tuple[str, ClientSettings]]) -> None:
    seen: dict[str, str] = {}
    for slug, settings in checked:
        if settings.name in seen:
            raise Conflict(
                f"profiles {seen[settings.name]!r} and {slug!r} have the same English name "
                f"{settings.name!r}",
                code="client_name_taken",
            )
        seen[settings.name] = slug


def _sync_one(
    db: Session, slug: str, settings: ClientSettings, now: datetime, dry_run: bool
) -> SyncResult:
    row = db.scalar(select(Client).where(Client.profile_slug == slug))
    if row is None:
        return _create(db, slug, settings, now, dry_run)
    wanted = settings_columns(settings)
    changed = [name for name, value in wanted.items() if getattr(row, name) != value]
    fixed = [name for name in changed if name in FIXED_FIELDS]
    if fixed:
        raise InvalidInput(
            fixed[0],
            f"{slug}: {fixed[0]} cannot change once the portal is registered (every sub it "
            "holds would change); register the portal under a new slug instead",
        )
    if "name" in changed:
        _check_name_free(db, settings.name, row.client_id)
    secret = _first_secret(row, settings)
    if secret is not None:
        changed.append("client_secret")
    if not dry_run:
        _apply(row, wanted, settings, secret)
    action = SyncAction.UPDATED if changed else SyncAction.UNCHANGED
    shown = None if dry_run else secret
    return SyncResult(slug, action, row.client_id, settings.name, tuple(changed), shown)


def _create(
    db: Session, slug: str, settings: ClientSettings, now: datetime, dry_run: bool
) -> SyncResult:
    if dry_run:
        _check_name_free(db, settings.name, None)
        return SyncResult(slug, SyncAction.CREATED, None, settings.name)
    client, secret = register_client(db, settings, now=now, profile_slug=slug)
    return SyncResult(slug, SyncAction.CREATED, client.client_id, client.name, (), secret)


def _check_name_free(db: Session, name: str, own_client_id: str | None) -> None:
    holder = db.scalar(select(Client.client_id).where(Client.name == name))
    if holder is not None and holder != own_client_id:
        raise Conflict(
            f"a client named {name!r} already exists without this profile; rename it or "
            "remove it before syncing",
            code="client_name_taken",
        )


def _first_secret(row: Client, settings: ClientSettings) -> str | None:
    """A secret for a client that needs one and never had one; never a second one."""
    if needs_secret(settings.token_endpoint_auth_method) and row.secret_digest is None:
        return secrets.token_urlsafe(32)
    return None


def _apply(
    row: Client, wanted: dict[str, Any], settings: ClientSettings, secret: str | None
) -> None:
    for name, value in wanted.items():
        setattr(row, name, value)
    if secret is not None:
        row.secret_digest = digest_secret(secret)
    elif not needs_secret(settings.token_endpoint_auth_method):
        row.secret_digest = None  # a public client has no secret to present
