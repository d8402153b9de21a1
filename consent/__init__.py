"""The delegation and consent domain (DESIGN.md section 5).

- `actions.py`: the action catalogue (`Action`, labels), delegation kinds and statuses.
- `applications.py`: the applications registry portals write to.
- `delegations.py`: grant, request, approve, accept, decline, revoke; `effective_status`;
  `validate_request` (the rules, checked before anything is written); `last_delegation_day`
  (at most `MAX_DELEGATION_YEARS` calendar years ahead).
- `changes.py`: `change_delegation` (narrow at once, widen with the actor's acceptance).
- `suspensions.py`: `suspend_actor`, `reinstate_actor`, `is_actor_suspended`.
- `coverage.py`: the one rule "delegation D covers application A" (`COVERS`).
- `decisions.py`: `decide(...)` → `Decision(allowed, reason, delegation_id)`.
- `access.py`: `DelegatedAccess` / `GrantedApplication`, `resolve_access` (issuance),
  `access_allows` (introspection).
- `locks.py`: the row locks that serialize issuance with changes to a delegation.
- `events.py`: `DelegationChange`, `NoEvents`; `ports.py`: `DelegationEvents`.
- `audit.py`: the hash-chained audit log and its verification.
- `transfers.py`: applications changing hands at account conversion.
- `models.py`, `errors.py`, `timestamps.py`.
"""

from consent.access import (
    AUTHORIZATION_DETAILS_TYPE,
    DelegatedAccess,
    GrantedApplication,
    access_allows,
    delegation_allows,
    grants_of,
    resolve_access,
)
from consent.actions import (
    ACTION_LABELS,
    KIND_LABELS,
    READ_ACTIONS,
    Action,
    DelegationKind,
    DelegationStatus,
    parse_actions,
)
from consent.applications import (
    MAX_APPLICATIONS_PAGE,
    ApplicationChange,
    applications_of_applicant,
    applications_of_portal,
    find_portal_application,
    get_application,
    register_application,
    update_application,
)
from consent.audit import (
    ChainCheck,
    events_between,
    events_for,
    find_event,
    record_event,
    verify_audit_chain,
)
from consent.changes import change_delegation
from consent.decisions import Decision, decide
from consent.delegations import (
    DelegationRequest,
    accept_delegation,
    application_ids_of,
    approve_request,
    decline_delegation,
    delegations_of_actor,
    delegations_of_principal,
    effective_status,
    get_delegation,
    grant_delegation,
    request_delegation,
    revoke_delegation,
    validate_request,
)
from consent.durations import MAX_DELEGATION_YEARS, last_delegation_day
from consent.errors import (
    AccessRefused,
    ActorSuspended,
    ApplicationNotFound,
    ConsentError,
    DelegationNotFound,
    DelegationStateError,
    InvalidDelegation,
)
from consent.events import DelegationChange, DelegationEvent, NoEvents, portals_of
from consent.locks import lock_delegation
from consent.models import ActorSuspension, Application, AuditEntry, Delegation, metadata
from consent.ports import DelegationEvents
from consent.suspensions import is_actor_suspended, reinstate_actor, suspend_actor
from consent.transfers import hand_over_application, transfer_applicant

__all__ = [
    "ACTION_LABELS",
    "AUTHORIZATION_DETAILS_TYPE",
    "KIND_LABELS",
    "MAX_APPLICATIONS_PAGE",
    "MAX_DELEGATION_YEARS",
    "READ_ACTIONS",
    "AccessRefused",
    "Action",
    "ActorSuspended",
    "ActorSuspension",
    "Application",
    "ApplicationChange",
    "ApplicationNotFound",
    "AuditEntry",
    "ChainCheck",
    "ConsentError",
    "Decision",
    "DelegatedAccess",
    "Delegation",
    "DelegationChange",
    "DelegationEvent",
    "DelegationEvents",
    "DelegationKind",
    "DelegationNotFound",
    "DelegationRequest",
    "DelegationStateError",
    "DelegationStatus",
    "GrantedApplication",
    "InvalidDelegation",
    "NoEvents",
    "accept_delegation",
    "access_allows",
    "application_ids_of",
    "applications_of_applicant",
    "applications_of_portal",
    "approve_request",
    "change_delegation",
    "decide",
    "decline_delegation",
    "delegation_allows",
    "delegations_of_actor",
    "delegations_of_principal",
    "effective_status",
    "events_between",
    "events_for",
    "find_event",
    "find_portal_application",
    "get_application",
    "get_delegation",
    "grant_delegation",
    "grants_of",
    "hand_over_application",
    "is_actor_suspended",
    "last_delegation_day",
    "lock_delegation",
    "metadata",
    "parse_actions",
    "portals_of",
    "record_event",
    "register_application",
    "reinstate_actor",
    "request_delegation",
    "resolve_access",
    "revoke_delegation",
    "suspend_actor",
    "transfer_applicant",
    "update_application",
    "validate_request",
    "verify_audit_chain",
]
