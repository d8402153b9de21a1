"""The applicant's activity log in plain words, and its signed export.

Each entry of the person's audit record (`consent.audit`) is described by what a dispute
needs: when, who acted, what they did (the event and the actions, in the person's
language), on which application (number and program) and at which portal (its profile's
name). An export is a compact JWS (RFC 7515) signed with the service's ES256 key,
`typ: activity+jwt`, verifiable with the published `/jwks`; its claims carry the issuer,
the time, the period or the entry, and each entry with the hash it has in the service's
hash-chained audit log, so an officer can match the paper against the log.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from consent import (
    ACTION_LABELS,
    Action,
    Application,
    AuditEntry,
    ConsentError,
    application_ids_of,
    get_application,
    get_delegation,
)
from idp.clients.names import PortalNames
from idp.console.views import People
from idp.notifications.mails import tr
from keys import SigningKey, sign_jwt

EXPORT_TYP = "activity+jwt"
EXPORT_ALG = "ES256"
MAX_EXPORT_ENTRIES = 1000
ACTIONS = frozenset(a.value for a in Action)


def N_(message: str) -> str:  # noqa: N802  # the conventional gettext no-op marker
    return message


EVENT_LABELS = {
    "delegation.granted": N_("Access given"),
    "delegation.requested": N_("Access requested"),
    "delegation.approved": N_("Request approved"),
    "delegation.accepted": N_("Access accepted"),
    "delegation.declined": N_("Access declined"),
    "delegation.revoked": N_("Access removed"),
    "delegation.changed": N_("Access changed"),
    "delegation.suspended": N_("Representative suspended"),
    "delegation.reinstated": N_("Representative reinstated"),
    "token.issued": N_("Acted on your behalf at a portal"),
}


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days in `zone` (the service's, `IDP_DISPLAY_TIMEZONE`: the days its pages
    show), both ends included; an open end takes everything on that side."""

    start: date | None = None
    end: date | None = None
    zone: tzinfo = UTC

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The UTC instants the period runs from (included) and to (excluded)."""
        start = self._midnight(self.start) if self.start else None
        end = self._midnight(self.end + timedelta(days=1)) if self.end else None
        return start, end

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time.min, self.zone).astimezone(UTC)

    def to_claims(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "timezone": getattr(self.zone, "key", str(self.zone)),
        }


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    seq: int
    at: datetime
    event: str
    what: str
    actions: tuple[str, ...]  # wire values
    action_labels: tuple[str, ...]
    applications: tuple[tuple[str, str], ...]  # (program, number)
    portal: str
    portal_id: str
    actor: str
    hash: str

    def to_claims(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "event": self.event,
            "what": self.what,
            "actions": [
                {"action": a, "label": label}
                for a, label in zip(self.actions, self.action_labels, strict=True)
            ],
            "applications": [{"program": p, "number": n} for p, n in self.applications],
            "portal": {"client_id": self.portal_id, "name": self.portal},
            "actor": self.actor,
            "audit_hash": self.hash,
        }


@dataclass
class ActivityDescriber:
    """Describes entries of one person's record, reading each delegation once."""

    db: Session
    portals: PortalNames
    people: People
    principal: str
    locale: str
    _delegations: dict[str, tuple[list[Application], str]] = field(default_factory=dict)

    def describe(self, entry: AuditEntry) -> ActivityEntry:
        applications, portal_id = self._scope(entry)
        actions = tuple(a for a in entry.details.get("actions", []) if a in ACTIONS)
        return ActivityEntry(
            seq=entry.seq,
            at=entry.at.replace(tzinfo=entry.at.tzinfo or UTC),
            event=entry.event,
            what=tr(self.locale, EVENT_LABELS.get(entry.event, entry.event)),
            actions=actions,
            action_labels=tuple(tr(self.locale, ACTION_LABELS[Action(a)]) for a in actions),
            applications=tuple(
                (self.portals.program(a.portal_client_id, a.program), a.portal_reference)
                for a in applications
            ),
            portal=self.portals.name(portal_id),
            portal_id=portal_id,
            actor=self._actor(entry.actor),
            hash=entry.hash,
        )

    def _actor(self, subject: str) -> str:
        if subject == self.principal:
            return tr(self.locale, "You")
        return self.people.name(subject)

    def _scope(self, entry: AuditEntry) -> tuple[list[Application], str]:
        """The applications the entry is about, and the portal it happened at."""
        portal = str(entry.details.get("portal") or "")
        if entry.application_id:
            try:
                application = get_application(self.db, entry.application_id)
            except ConsentError:
                return [], portal
            return [application], portal or application.portal_client_id
        if not entry.delegation_id:
            return [], portal
        if entry.delegation_id not in self._delegations:
            self._delegations[entry.delegation_id] = self._delegation_scope(entry.delegation_id)
        applications, delegation_portal = self._delegations[entry.delegation_id]
        return applications, portal or delegation_portal

    def _delegation_scope(self, delegation_id: str) -> tuple[list[Application], str]:
        try:
            delegation = get_delegation(self.db, delegation_id)
        except ConsentError:
            return [], ""
        applications = [
            get_application(self.db, a) for a in application_ids_of(self.db, delegation_id)
        ]
        portals = {a.portal_client_id for a in applications}
        portal = delegation.portal_client_id or (portals.pop() if len(portals) == 1 else "")
        return applications, portal


def sign_export(
    key: SigningKey,
    entries: list[ActivityEntry],
    *,
    issuer: str,
    owner: dict[str, str],
    locale: str,
    now: datetime,
    period: Period | None = None,
) -> str:
    """The entries as a JWS; `period` None means one entry was asked for."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "iat": int(now.timestamp()),
        "jti": secrets.token_urlsafe(16),
        "lang": locale,
        "owner": owner,
        "entries": [e.to_claims() for e in entries],
    }
    if period is not None:
        claims["period"] = period.to_claims()
    return sign_jwt(key, claims, typ=EXPORT_TYP)
