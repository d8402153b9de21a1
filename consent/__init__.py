"""The delegation and consent domain (DESIGN.md section 5).

- `actions.py`: the action catalogue (`Action`, labels), delegation kinds and statuses.
- `applications.py`: the applications registry portals write to.
- `delegations.py`: grant, request, approve, accept, revoke, suspend; expiry.
- `decisions.py`: `decide(...)` → `Decision(allowed, reason, delegation_id)`.
- `audit.py`: the hash-chained audit log and its verification.
- `transfers.py`: applications changing hands at account conversion.
- `models.py`, `errors.py`.
"""

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
    ApplicationChange,
    applications_of_applicant,
    applications_of_portal,
    find_portal_application,
    get_application,
    register_application,
    update_application,
)
from consent.audit import ChainCheck, events_for, record_event, verify_audit_chain
from consent.decisions import Decision, decide
from consent.delegations import (
    DelegationRequest,
    accept_delegation,
    application_ids_of,
    approve_request,
    change_delegation,
    delegation_allows,
    delegations_of_actor,
    delegations_of_principal,
    effective_status,
    get_delegation,
    grant_delegation,
    request_delegation,
    revoke_delegation,
    suspend_actor,
)
from consent.errors import (
    ApplicationNotFound,
    ConsentError,
    DelegationNotFound,
    DelegationStateError,
    InvalidDelegation,
)
from consent.models import Application, AuditEntry, Delegation, metadata
from consent.transfers import hand_over_application, transfer_applicant

__all__ = [
    "ACTION_LABELS",
    "KIND_LABELS",
    "READ_ACTIONS",
    "Action",
    "Application",
    "ApplicationChange",
    "ApplicationNotFound",
    "AuditEntry",
    "ChainCheck",
    "ConsentError",
    "Decision",
    "Delegation",
    "DelegationKind",
    "DelegationNotFound",
    "DelegationRequest",
    "DelegationStateError",
    "DelegationStatus",
    "InvalidDelegation",
    "accept_delegation",
    "application_ids_of",
    "applications_of_applicant",
    "applications_of_portal",
    "approve_request",
    "change_delegation",
    "decide",
    "delegation_allows",
    "delegations_of_actor",
    "delegations_of_principal",
    "effective_status",
    "events_for",
    "find_portal_application",
    "get_application",
    "get_delegation",
    "grant_delegation",
    "hand_over_application",
    "metadata",
    "parse_actions",
    "record_event",
    "register_application",
    "request_delegation",
    "revoke_delegation",
    "suspend_actor",
    "transfer_applicant",
    "update_application",
    "verify_audit_chain",
]
