"""Security Event Tokens (RFC 8417) telling portals a delegation changed, pushed (RFC 8935).

`SecurityEventOutbox` implements `consent.DelegationEvents`: for each change a portal must
know about, every portal concerned (`DelegationChange.portals`: it holds one of the
delegation's applications, held one before a change, or the delegation covers all of the
applicant's applications there) that registered an `events_uri` gets a `secevent+jwt` in
the outbox, in the same transaction as the change, signed when it is sent (`iat` is the
delivery, `toe` the change; the `jti` stays the same across attempts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from consent import DelegationChange, DelegationEvent
from idp.clients.service import find_client
from idp.outbox.service import TokenEnvelope, enqueue_token

EVENT_BASE = "https://passerelle.example/events/"
SET_CONTENT_TYPE = "application/secevent+jwt"
SECURITY_EVENT_TOKEN = TokenEnvelope(typ="secevent+jwt", content_type=SET_CONTENT_TYPE)
# The SET each delegation event becomes; the others concern no portal yet.
SET_EVENTS = {
    DelegationEvent.APPROVED: "delegation-activated",
    DelegationEvent.ACCEPTED: "delegation-activated",
    DelegationEvent.CHANGED: "delegation-changed",
    DelegationEvent.REVOKED: "delegation-revoked",
    DelegationEvent.SUSPENDED: "delegation-suspended",
    DelegationEvent.REINSTATED: "delegation-reinstated",
}


def event_claims(change: DelegationChange, event: str, client_id: str, issuer: str,
                 numbers: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {
        "iss": issuer,
        "aud": client_id,
        "toe": int(change.at.timestamp()),
        "sub_id": {"format": "opaque", "id": change.delegation_id},
        "events": {
            EVENT_BASE + event: {
                "delegation_id": change.delegation_id,
                "principal": change.principal,
                "actor": change.actor,
                "applications": list(numbers),
                "status": change.status.value,
                "actions": list(change.actions),
                "valid_until": int(change.valid_until.timestamp()),
            }
        },
    }


def announce_delegation_event(
    db: Session, change: DelegationChange, event: str, *, issuer: str, alg: str
) -> int:
    """Queue one SET per portal concerned; return how many were queued."""
    queued = 0
    for client_id, numbers in change.portals.items():
        client = find_client(db, client_id)
        if client is None or not client.events_uri:
            continue
        enqueue_token(
            db,
            kind="security_event",
            url=client.events_uri,
            claims=event_claims(change, event, client_id, issuer, numbers),
            alg=alg,
            envelope=SECURITY_EVENT_TOKEN,
            now=change.at,
        )
        queued += 1
    return queued


@dataclass(frozen=True, slots=True)
class SecurityEventOutbox:
    """`consent.DelegationEvents` through the outbox: SETs to the portals concerned."""

    issuer: str
    alg: str

    def delegation_changed(self, db: Session, change: DelegationChange) -> None:
        event = SET_EVENTS.get(change.event)
        if event is not None:
            announce_delegation_event(db, change, event, issuer=self.issuer, alg=self.alg)
