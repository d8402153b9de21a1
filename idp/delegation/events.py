"""Security Event Tokens (RFC 8417) telling portals a delegation changed, pushed (RFC 8935).

Each portal concerned (it holds one of the delegation's applications, or the delegation
covers all of the applicant's applications there) that registered an `events_uri` gets a
`secevent+jwt` in the outbox, in the same transaction as the change, signed when it is
sent (`iat` is the delivery, `toe` the change; the `jti` stays the same across attempts).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from consent import Delegation, application_ids_of, get_application
from idp.clients.service import find_client
from idp.outbox.service import TokenEnvelope, enqueue_token

EVENT_BASE = "https://passerelle.example/events/"
SET_CONTENT_TYPE = "application/secevent+jwt"
SECURITY_EVENT_TOKEN = TokenEnvelope(typ="secevent+jwt", content_type=SET_CONTENT_TYPE)


def portals_of(db: Session, delegation: Delegation) -> dict[str, list[str]]:
    """Portal client id → application numbers it holds under this delegation."""
    portals: dict[str, list[str]] = {}
    if delegation.portal_client_id:
        portals.setdefault(delegation.portal_client_id, [])
    for application_id in application_ids_of(db, delegation.id):
        application = get_application(db, application_id)
        portals.setdefault(application.portal_client_id, []).append(application.portal_reference)
    return portals


def announce_delegation_event(
    db: Session,
    delegation: Delegation,
    event: str,
    *,
    issuer: str,
    alg: str,
    now: datetime,
    portals: dict[str, list[str]] | None = None,
) -> int:
    """Queue one SET per portal concerned (`portals`, by default `portals_of`); return how
    many were queued."""
    queued = 0
    for client_id, numbers in (
        portals if portals is not None else portals_of(db, delegation)
    ).items():
        client = find_client(db, client_id)
        if client is None or not client.events_uri:
            continue
        claims = {
            "iss": issuer,
            "aud": client_id,
            "toe": int(now.timestamp()),
            "sub_id": {"format": "opaque", "id": delegation.id},
            "events": {
                EVENT_BASE + event: {
                    "delegation_id": delegation.id,
                    "principal": delegation.principal_subject,
                    "actor": delegation.actor_subject,
                    "applications": numbers,
                    "status": delegation.status,
                    "actions": list(delegation.actions),
                    "valid_until": int(delegation.valid_until.timestamp()),
                }
            },
        }
        enqueue_token(
            db,
            kind="security_event",
            url=client.events_uri,
            claims=claims,
            alg=alg,
            envelope=SECURITY_EVENT_TOKEN,
            now=now,
        )
        queued += 1
    return queued


class PortalAnnouncer:
    """Tells portals a delegation changed: SETs queued, signed with the service's keys when
    sent."""

    def __init__(self, *, issuer: str, alg: str) -> None:
        self._issuer = issuer
        self._alg = alg

    def announce(
        self,
        db: Session,
        delegation: Delegation,
        event: str,
        now: datetime,
        portals: dict[str, list[str]] | None = None,
    ) -> int:
        return announce_delegation_event(
            db,
            delegation,
            event,
            issuer=self._issuer,
            alg=self._alg,
            now=now,
            portals=portals,
        )
