"""The representative's dashboard: every client and application they may act on, across
portals (the IRCC representative portal's dashboard, for every portal at once).

One row per application a living delegation covers (active, or waiting for the
representative's acceptance), named or "all at a portal": the client, the portal, the
application's status and unread correspondence, the granted actions and the end date.
The link opens the application at its portal with `passerelle_delegation=<id>`, so the
portal knows to ask for a delegated token for that client (an authorization request with
`authorization_details`, or token exchange) instead of the representative's own file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy.orm import Session

from consent import (
    ACTION_LABELS,
    Action,
    Application,
    Delegation,
    DelegationStatus,
    application_ids_of,
    applications_of_applicant,
    delegations_of_actor,
    effective_status,
    get_application,
)
from idp.clients.names import PortalNames
from idp.console.views import people

EXPIRING_SOON_DAYS = 30
LIVING = (DelegationStatus.ACTIVE, DelegationStatus.PENDING_ACCEPTANCE)
DELEGATION_PARAMETER = "passerelle_delegation"


@dataclass(frozen=True, slots=True)
class DashboardRow:
    client: str
    number: str
    program: str
    portal: str
    portal_id: str
    status: str
    status_label: str
    unread: int
    actions: list[str]
    until: datetime  # the last instant of access; `display_date` shows its day
    delegation_status: str
    expiring: bool
    link: str


@dataclass(frozen=True, slots=True)
class DashboardFilter:
    portal: str = ""
    status: str = ""
    unread: bool = False
    expiring: bool = False

    def keeps(self, row: DashboardRow) -> bool:
        return (
            (not self.portal or row.portal_id == self.portal)
            and (not self.status or row.status == self.status)
            and (not self.unread or row.unread > 0)
            and (not self.expiring or row.expiring)
        )


def acting_link(deep_link: str, delegation_id: str) -> str:
    """The portal's own link to the application, naming the delegation to act under."""
    if not deep_link:
        return ""
    parts = urlsplit(deep_link)
    query = [*parse_qsl(parts.query), (DELEGATION_PARAMETER, delegation_id)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _covered(db: Session, delegation: Delegation) -> list[Application]:
    if delegation.all_applications:
        return [
            a
            for a in applications_of_applicant(db, delegation.principal_subject)
            if a.portal_client_id == delegation.portal_client_id
        ]
    return [get_application(db, a) for a in application_ids_of(db, delegation.id)]


def dashboard_rows(
    db: Session, actor: str, now: datetime, portals: PortalNames
) -> list[DashboardRow]:
    delegations = [d for d in delegations_of_actor(db, actor) if effective_status(d, now) in LIVING]
    names = people(db, {d.principal_subject for d in delegations})
    rows = []
    for delegation in delegations:
        status = effective_status(delegation, now)
        until = delegation.valid_until
        until = until if until.tzinfo else until.replace(tzinfo=UTC)  # SQLite forgets the zone
        for application in _covered(db, delegation):
            rows.append(
                DashboardRow(
                    client=names.name(delegation.principal_subject),
                    number=application.portal_reference,
                    program=portals.program(application.portal_client_id, application.program),
                    portal=portals.name(application.portal_client_id),
                    portal_id=application.portal_client_id,
                    status=application.status,
                    status_label=portals.status(application.portal_client_id, application.status),
                    unread=application.unread_count,
                    actions=[ACTION_LABELS[Action(a)] for a in delegation.actions],
                    until=until,
                    delegation_status=status.value,
                    expiring=until - now <= timedelta(days=EXPIRING_SOON_DAYS),
                    link=acting_link(application.deep_link, delegation.id)
                    if status is DelegationStatus.ACTIVE
                    else "",
                )
            )
    return sorted(rows, key=lambda r: (-r.unread, r.client, r.number))
