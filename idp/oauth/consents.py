"""What each person let each portal have: remembered scope consents and living grants.

A consent (scopes an account approved for a portal) is asked once and remembered; the
"Connected portals" page lists every portal holding consent or a living grant (refresh
tokens included, `offline_access` too) and withdraws both at once, which ends every token
the portal holds for the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from idp.db import insert_ignoring_duplicates
from idp.oauth.models import Consent, Grant


def has_consent(db: Session, account_id: str, client_id: str, scope: str) -> bool:
    consent = db.get(Consent, (account_id, client_id))
    return consent is not None and set(scope.split()) <= set(consent.scope.split())


def record_consent(db: Session, account_id: str, client_id: str, scope: str, now: datetime) -> None:
    """Remember the scopes approved for this portal (merged with earlier ones).

    The row is read locked and merged; when there is none yet it is inserted, and when two
    tabs consent at once the insert that lost (skipped, not an error) reads the winner's
    row locked and merges into it. Two statements either way."""
    key = (account_id, client_id)
    existing = db.get(Consent, key, with_for_update=True)
    if existing is None:
        inserted = db.execute(  # no row back: skipped, another transaction inserted it
            insert_ignoring_duplicates(db, Consent).returning(Consent.account_id),
            {"account_id": account_id, "client_id": client_id, "scope": scope, "granted_at": now},
        ).first()
        if inserted is not None:
            return
        existing = db.get(Consent, key, with_for_update=True, populate_existing=True)
    if existing is not None:  # always: read, or inserted by the transaction that won
        existing.scope = " ".join(sorted(set(existing.scope.split()) | set(scope.split())))
        existing.granted_at = now


@dataclass(frozen=True, slots=True)
class PortalAccess:
    """One portal's hold on a person: approved scopes, living grants, when it began."""

    client_id: str
    scopes: tuple[str, ...]
    living_grants: int
    offline: bool
    since: datetime


def portals_holding_access(db: Session, account_id: str) -> list[PortalAccess]:
    consents = {
        c.client_id: c for c in db.scalars(select(Consent).where(Consent.account_id == account_id))
    }
    grants = db.scalars(
        select(Grant).where(Grant.account_id == account_id, Grant.revoked_at.is_(None))
    ).all()
    by_client: dict[str, list[Grant]] = {}
    for grant in grants:
        by_client.setdefault(grant.client_id, []).append(grant)
    held = []
    for client_id in sorted(set(consents) | set(by_client)):
        consent, living = consents.get(client_id), by_client.get(client_id, [])
        scopes = set(consent.scope.split()) if consent else set()
        scopes |= {s for g in living for s in g.scope.split()}
        starts = [consent.granted_at] if consent else []
        starts += [g.created_at for g in living]
        held.append(
            PortalAccess(
                client_id=client_id,
                scopes=tuple(sorted(scopes)),
                living_grants=len(living),
                offline=any("offline_access" in g.scope.split() for g in living),
                since=min(starts),
            )
        )
    return held


def withdraw_portal_access(db: Session, account_id: str, client_id: str, now: datetime) -> int:
    """Forget the consent and revoke every grant of this portal for this person."""
    db.execute(
        delete(Consent).where(Consent.account_id == account_id, Consent.client_id == client_id)
    )
    result = db.execute(
        update(Grant)
        .where(
            Grant.account_id == account_id,
            Grant.client_id == client_id,
            Grant.revoked_at.is_(None),
        )
        .values(revoked_at=now, revoked_reason="withdrawn_by_person")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE
