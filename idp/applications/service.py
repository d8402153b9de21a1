"""Registering a portal's application for an applicant, under the rules that keep
portals from reaching accounts that never used them.

- By `sub`: only for an account that has signed in to this portal (it holds, or held, a
  grant or a consent there); otherwise the answer is the same as for an unknown `sub`.
- By `login_hint` (the email the applicant signed in with): never attached directly; a
  pending claim waits for the person to confirm it in their console, and the portal
  learns nothing about the account.
- `deep_link` must be an https URL on one of the portal's registered origins (its
  redirect and post-logout URIs): never `javascript:` or another site.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import Application, register_application
from idp.accounts.models import Account
from idp.accounts.service import normalise_email
from idp.applications.models import ApplicationClaim
from idp.clients.models import Client
from idp.clients.registration import LOOPBACK_HOSTS
from idp.clients.service import RegisteredClient
from idp.db import serialize_with_writers
from idp.errors import InvalidInput
from idp.oauth.models import Consent, Grant

MAX_LINK_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class ReportedApplication:
    number: str
    program: str
    status: str
    unread_count: int
    deep_link: str


def _origin(uri: str) -> tuple[str, str, int | None]:
    parts = urlsplit(uri)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def check_deep_link(client: RegisteredClient, link: str) -> str:
    """The link when it is https (or loopback http) on one of the portal's own origins."""
    if not link:
        return link
    if len(link) > MAX_LINK_LENGTH:
        raise InvalidInput(
            "deep_link", f"deep_link exceeds {MAX_LINK_LENGTH} characters", limit=MAX_LINK_LENGTH
        )
    scheme, host, port = _origin(link)
    secure = scheme == "https" or (scheme == "http" and host in LOOPBACK_HOSTS)
    registered = {_origin(u) for u in (*client.redirect_uris, *client.post_logout_redirect_uris)}
    if not secure or (scheme, host, port) not in registered:
        raise InvalidInput(
            "deep_link", "deep_link must be an https URL on one of the portal's registered origins"
        )
    return link


def has_used_portal(db: Session, account_id: str, client_id: str) -> bool:
    grant = select(Grant.id).where(Grant.account_id == account_id, Grant.client_id == client_id)
    consent = select(Consent.client_id).where(
        Consent.account_id == account_id, Consent.client_id == client_id
    )
    return db.scalar(grant.limit(1)) is not None or db.scalar(consent) is not None


def find_applicant_of_portal(db: Session, client_id: str, subject: str) -> Account | None:
    account = db.scalar(select(Account).where(Account.subject == subject))
    if account is None or not has_used_portal(db, account.id, client_id):
        return None
    return account


def register_for_subject(
    db: Session, client: RegisteredClient, subject: str, report: ReportedApplication, now: datetime
) -> tuple[Application, bool] | None:
    """Register under `sub`; None when that person never used this portal (or is unknown)."""
    account = find_applicant_of_portal(db, client.client_id, subject)
    if account is None:
        return None
    return register_application(
        db,
        portal_client_id=client.client_id,
        portal_reference=report.number,
        program=report.program,
        applicant_subject=account.subject,
        status=report.status,
        unread_count=report.unread_count,
        deep_link=check_deep_link(client, report.deep_link),
        now=now,
    )


def claim_for_email(
    db: Session, client: RegisteredClient, email: str, report: ReportedApplication, now: datetime
) -> ApplicationClaim:
    """A pending claim, the same whether or not the email has an account.

    A portal's retry during the first call takes its turn on the portal's row (SQLite: the
    write lock), then finds the first call's claim instead of adding a second.
    """
    check_deep_link(client, report.deep_link)
    serialize_with_writers(db)
    db.get(Client, client.client_id, with_for_update=True, populate_existing=True)
    existing = db.scalar(
        select(ApplicationClaim).where(
            ApplicationClaim.portal_client_id == client.client_id,
            ApplicationClaim.application_number == report.number,
            ApplicationClaim.status == "pending",
        )
    )
    if existing is not None:
        return existing
    claim = ApplicationClaim(
        id=uuid.uuid4().hex,
        portal_client_id=client.client_id,
        application_number=report.number,
        program=report.program,
        status="pending",
        application_status=report.status,
        unread_count=report.unread_count,
        deep_link=report.deep_link,
        email=normalise_email(email),
        created_at=now,
    )
    db.add(claim)
    db.flush()
    return claim


def pending_claims(db: Session, account: Account) -> list[ApplicationClaim]:
    return list(
        db.scalars(
            select(ApplicationClaim)
            .where(ApplicationClaim.email == account.email, ApplicationClaim.status == "pending")
            .order_by(ApplicationClaim.created_at)
        )
    )


def decide_claim(
    db: Session, account: Account, claim_id: str, *, confirm: bool, now: datetime
) -> Application | None:
    """The person says whether a claimed application is theirs; confirmed ones register."""
    claim = db.get(ApplicationClaim, claim_id[:32], with_for_update=True)
    if claim is None or claim.email != account.email or claim.status != "pending":
        return None
    claim.status, claim.decided_at = ("confirmed" if confirm else "declined"), now
    if not confirm:
        return None
    application, _ = register_application(
        db,
        portal_client_id=claim.portal_client_id,
        portal_reference=claim.application_number,
        program=claim.program,
        applicant_subject=account.subject,
        status=claim.application_status,
        unread_count=claim.unread_count,
        deep_link=claim.deep_link,
        now=now,
    )
    return application
