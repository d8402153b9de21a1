"""Security Event Tokens (RFC 8417) telling portals a delegation changed, pushed (RFC 8935).

Each portal concerned (it holds one of the delegation's applications, or the delegation
covers all of the applicant's applications there) that registered an `events_uri` gets a
signed `secevent+jwt` in the outbox, in the same transaction as the change.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.orm import Session

from consent import Delegation, application_ids_of, get_application
from idp.clients.service import find_client
from idp.outbox.service import enqueue
from keys import Keyring, sign_jwt

EVENT_BASE = "https://passerelle.example/events/"
SET_CONTENT_TYPE = "application/secevent+jwt"


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
    keyring: Keyring,
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
            "iat": int(now.timestamp()),
            "jti": secrets.token_urlsafe(16),
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
        token = sign_jwt(keyring.signing_key(db, alg), claims, typ="secevent+jwt")
        enqueue(
            db,
            kind="security_event",
            url=client.events_uri,
            content_type=SET_CONTENT_TYPE,
            body=token,
            now=now,
        )
        queued += 1
    return queued


class PortalAnnouncer:
    """Tells portals a delegation changed: SETs signed with the service's keys, queued."""

    def __init__(self, *, issuer: str, keyring: Keyring, alg: str) -> None:
        self._issuer = issuer
        self._keyring = keyring
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
            keyring=self._keyring,
            alg=self._alg,
            now=now,
            portals=portals,
        )
