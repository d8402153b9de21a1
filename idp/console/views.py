"""View models of the console pages: small frozen values the templates read.

Templates get these, never ORM rows: an application as the applicant sees it (which
portal, its status, its unread messages), a delegation as either side sees it, a device
name from a User-Agent. Portal names and status labels come from the portals' profiles,
in the page's language, each portal read once per page (`idp.clients.names.PortalNames`).
A delegation's are in each page language, its end in seconds since the epoch, plain JSON
(`asdict`): the representative's page answering its request form is kept for its language
switch (`idp.http.snapshots`), and the template picks the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import (
    ACTION_LABELS,
    KIND_LABELS,
    Action,
    Application,
    Delegation,
    DelegationKind,
    application_ids_of,
    effective_status,
    get_application,
)
from idp.accounts.models import Account
from idp.clients.names import PortalNames


@dataclass(frozen=True, slots=True)
class People:
    """Display names (`Name (email)`) for the subjects shown on a page."""

    names: dict[str, str]

    def name(self, subject: str) -> str:
        return self.names.get(subject, "?")


def people(db: Session, subjects: set[str]) -> People:
    if not subjects:
        return People({})
    rows: Any = db.execute(
        select(Account.subject, Account.name, Account.email).where(Account.subject.in_(subjects))
    )
    return People({s: f"{n} ({e})" for s, n, e in rows})


@dataclass(frozen=True, slots=True)
class ApplicationView:
    id: str
    number: str
    program: str
    status: str
    unread: int
    link: str
    portal: str
    portal_id: str
    updated: str


def application_view(application: Application, portals: PortalNames) -> ApplicationView:
    return ApplicationView(
        id=application.id,
        number=application.portal_reference,
        program=portals.program(application.portal_client_id, application.program),
        status=portals.status(application.portal_client_id, application.status),
        unread=application.unread_count,
        link=application.deep_link,
        portal=portals.name(application.portal_client_id),
        portal_id=application.portal_client_id,
        updated=application.updated_at.date().isoformat(),
    )


@dataclass(frozen=True, slots=True)
class DelegationView:
    id: str
    actor: str
    principal: str
    kind: str  # a msgid
    actions: list[str]  # msgids
    applications: list[dict[str, str]]  # each line in each page language
    all_at: dict[str, str]  # the portal's name in each page language; empty: named ones
    status: str
    until: float  # the last instant of access (epoch seconds); `display_date` shows its day


def _epoch_seconds(at: datetime) -> float:
    """`at` (UTC; SQLite gives it back naive) in seconds since the epoch."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def _application_line(application: Application, portals: PortalNames) -> dict[str, str]:
    """`Study permit E123 (IRCC Portal) — In review`, in each page language."""
    client_id = application.portal_client_id
    programs = portals.program_in_each_language(client_id, application.program)
    names = portals.name_in_each_language(client_id)
    statuses = portals.status_in_each_language(client_id, application.status)
    return {
        language: f"{programs[language]} {application.portal_reference} "
        f"({names[language]}) — {statuses[language]}"
        for language in programs
    }


def delegation_view(
    db: Session, delegation: Delegation, names: People, portals: PortalNames, now: datetime
) -> DelegationView:
    applications = [get_application(db, a) for a in application_ids_of(db, delegation.id)]
    return DelegationView(
        id=delegation.id,
        actor=names.name(delegation.actor_subject),
        principal=names.name(delegation.principal_subject),
        kind=KIND_LABELS[DelegationKind(delegation.kind)],
        actions=[ACTION_LABELS[Action(a)] for a in delegation.actions],
        applications=[_application_line(a, portals) for a in applications],
        all_at=(
            portals.name_in_each_language(delegation.portal_client_id)
            if delegation.all_applications and delegation.portal_client_id
            else {}
        ),
        status=effective_status(delegation, now).value,
        until=_epoch_seconds(delegation.valid_until),
    )


def describe_device(user_agent: str) -> str:
    """A short, readable device name from a User-Agent (no fingerprinting library)."""
    browser = next((b for b in ("Edg", "Firefox", "Chrome", "Safari") if b in user_agent), "")
    system = next(
        (s for s in ("Windows", "Android", "iPhone", "iPad", "Mac OS", "Linux") if s in user_agent),
        "",
    )
    label = " · ".join(p for p in ({"Edg": "Edge"}.get(browser, browser), system) if p)
    return label or (user_agent[:40] or "?")
