"""Delegated access: what one delegation lets an actor do for one applicant at a portal.

`resolve_access` finds the one delegation that grants every requested action on every
requested application (by the portal's application number) of one applicant, and returns
a typed `DelegatedAccess`; a refusal is an `AccessRefused` naming the application, the
action and a stable reason. `access_allows` is the check made again at every introspection
of a delegated token and before a token is issued from a stored grant. Both stand on the
one rule `consent.coverage.COVERS`.

Serialization (DESIGN.md section 8, "lines in time"): with `lock=True` (the default of
`resolve_access`, for issuance) the delegation row is locked (`consent.locks`, which says
why FOR UPDATE rather than FOR SHARE) before it is checked again, so an issuance and a
change to the same delegation never overlap: after a revoke commits, no token under the
old terms is issued. On SQLite the lock is not rendered; the idp layer begins issuing
transactions with BEGIN IMMEDIATE there.

`DelegatedAccess.to_claims()` is the RFC 9396 `authorization_details` a delegated token
carries: `[{"type": "passerelle_application", "application": number, "application_id": id,
"program": program, "actions": [...]}]`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from consent.actions import DelegationKind, DelegationStatus
from consent.applications import MAX_REFERENCE_LENGTH
from consent.coverage import ACTIVE_DELEGATIONS_OF_ACTOR, COVERS
from consent.decisions import judge
from consent.errors import AccessRefused
from consent.locks import lock_delegation
from consent.models import ActorSuspension, Application, Delegation
from consent.suspensions import is_actor_suspended
from consent.timestamps import as_utc

AUTHORIZATION_DETAILS_TYPE = "passerelle_application"
# A change that commits between the choice and the lock makes the choice again, at most
# this many times in all (each attempt reads what is committed by then).
MAX_RESOLVE_ATTEMPTS = 3

Grants = Iterable[tuple[str, Iterable[str]]]


@dataclass(frozen=True, slots=True)
class GrantedApplication:
    application_id: str
    number: str  # the portal's reference
    program: str
    portal_client_id: str
    actions: tuple[str, ...]

    def to_claim(self) -> dict[str, Any]:
        return {
            "type": AUTHORIZATION_DETAILS_TYPE,
            "application": self.number,
            "application_id": self.application_id,
            "program": self.program,
            "actions": list(self.actions),
        }


@dataclass(frozen=True, slots=True)
class DelegatedAccess:
    delegation_id: str
    principal: str
    actor: str
    kind: DelegationKind
    applications: tuple[GrantedApplication, ...]

    @property
    def grants(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(application id, actions) pairs, as `access_allows` takes them."""
        return tuple((a.application_id, a.actions) for a in self.applications)

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action granted, on any of the applications, sorted."""
        return tuple(sorted({action for a in self.applications for action in a.actions}))

    def to_claims(self) -> list[dict[str, Any]]:
        return [application.to_claim() for application in self.applications]

    @classmethod
    def from_claims(
        cls,
        authorization_details: Sequence[Mapping[str, Any]],
        *,
        delegation_id: str,
        principal: str,
        actor: str,
        kind: DelegationKind,
        portal_client_id: str,
    ) -> DelegatedAccess:
        """Read back what `to_claims` wrote (from our own signed token or stored grant)."""
        applications = tuple(
            GrantedApplication(
                application_id=str(entry["application_id"]),
                number=str(entry["application"]),
                program=str(entry.get("program", "")),
                portal_client_id=portal_client_id,
                actions=tuple(str(a) for a in entry["actions"]),
            )
            for entry in authorization_details
        )
        return cls(delegation_id, principal, actor, kind, applications)


def grants_of(authorization_details: Iterable[Mapping[str, Any]]) -> list[tuple[str, list[str]]]:
    """(application id, actions) of a token's `authorization_details`, for `access_allows`."""
    return [
        (str(entry.get("application_id")), [str(a) for a in entry.get("actions") or []])
        for entry in authorization_details
    ]


# Built once: on the introspection path, building a statement would cost more than running
# it. One round trip: the delegation, whether its actor is suspended, and how many of the
# token's applications it covers.
_APPLICATIONS: BindParameter[str] = bindparam("applications", expanding=True)
_ALLOWS = select(
    Delegation.status,
    Delegation.valid_from,
    Delegation.valid_until,
    Delegation.actions,
    select(ActorSuspension.actor_subject)
    .where(ActorSuspension.actor_subject == Delegation.actor_subject)
    .exists()
    .label("suspended"),
    select(func.count())
    .select_from(Application)
    .where(Application.id.in_(_APPLICATIONS), COVERS)
    .scalar_subquery()
    .label("covered"),
).where(Delegation.id == bindparam("delegation_id"))


def access_allows(
    db: Session, delegation_id: str, now: datetime, grants: Grants = (), *, lock: bool = False
) -> bool:
    """Does this delegation still allow every (application id, actions) a token carries?

    Checked at every introspection of a delegated token, so a revocation, a suspension,
    an expiry or a narrowing change takes effect at once. One statement; with `lock`, the
    row is first locked (before issuing a token from a stored grant).
    """
    if len(delegation_id) > 32:
        return False
    if lock and lock_delegation(db, delegation_id) is None:
        return False
    pairs = [(application_id, set(actions)) for application_id, actions in grants]
    wanted = sorted({application_id for application_id, _ in pairs})
    row = db.execute(_ALLOWS, {"delegation_id": delegation_id, "applications": wanted}).first()
    if row is None or row.status != DelegationStatus.ACTIVE.value or row.suspended:
        return False
    if not as_utc(row.valid_from) <= now < as_utc(row.valid_until):
        return False
    allowed = set(row.actions)
    return all(actions <= allowed for _, actions in pairs) and row.covered == len(wanted)


# The actor's active delegations covering any of the applications, oldest first.
_CANDIDATES = (
    select(
        Application.id.label("application_id"),
        Delegation.id,
        Delegation.kind,
        Delegation.actions,
        Delegation.valid_from,
        Delegation.valid_until,
    )
    .select_from(Application)
    .join(Delegation, ACTIVE_DELEGATIONS_OF_ACTOR)
    .where(Application.id.in_(bindparam("application_ids", expanding=True)))
    .order_by(Delegation.created_at, Delegation.id)
)


def _requested(requested: Sequence[tuple[str, Sequence[str]]]) -> dict[str, tuple[str, ...]]:
    """Application number → actions, in the order asked (a number asked twice is merged)."""
    wanted: dict[str, tuple[str, ...]] = {}
    for number, actions in requested:
        wanted[number] = tuple(dict.fromkeys([*wanted.get(number, ()), *actions]))
    if not wanted or not all(wanted.values()):
        raise AccessRefused(
            "name at least one application and one action",
            reason="nothing_requested",
            application=None,
        )
    return wanted


def _applications(
    db: Session, actor: str, portal_client_id: str, wanted: Mapping[str, tuple[str, ...]]
) -> dict[str, Application]:
    """The portal's applications by number, all of one applicant who is not the actor."""
    numbers = [n for n in wanted if len(n) <= MAX_REFERENCE_LENGTH and "\x00" not in n]
    found = {
        a.portal_reference: a
        for a in db.scalars(
            select(Application).where(
                Application.portal_client_id == portal_client_id,
                Application.portal_reference.in_(numbers),
            )
        )
    }
    for number, actions in wanted.items():
        if number not in found:
            raise AccessRefused(
                f"application {number} is not registered by this portal",
                reason="no_application",
                application=number,
            )
        if found[number].applicant_subject == actor:
            raise AccessRefused(
                f"{actions[0]} on {number} is not delegated (own_application)",
                reason="own_application",
                application=number,
                action=actions[0],
            )
    if len({a.applicant_subject for a in found.values()}) != 1:
        raise AccessRefused(
            "ask for one applicant's delegation at a time",
            reason="several_applicants",
            application=next(iter(wanted)),
        )
    return found


def _refusal(
    rows: Sequence[Any],
    wanted: Mapping[str, tuple[str, ...]],
    applications: Mapping[str, Application],
    now: datetime,
) -> AccessRefused:
    """Name the first action refused and why (`judge`, as `decide` would answer)."""
    for number, actions in wanted.items():
        application = applications[number]
        covering = [row for row in rows if row.application_id == application.id]
        for action in actions:
            decision = judge(covering, action, application.applicant_subject, now)
            if not decision.allowed:
                return AccessRefused(
                    f"{action} on {number} is not delegated ({decision.reason})",
                    reason=decision.reason,
                    application=number,
                    action=action,
                )
    return AccessRefused(
        f"the actions on {', '.join(wanted)} are not all granted by one delegation",
        reason="not_one_delegation",
        application=next(iter(wanted)),
    )


def _grants_all(rows: Sequence[Any], wanted: Mapping[str, tuple[str, ...]], now: datetime) -> bool:
    """Do these rows (one delegation, one per covered application) grant everything?"""
    first = rows[0]
    asked = {action for actions in wanted.values() for action in actions}
    return (
        len(rows) == len(wanted)
        and asked <= set(first.actions)
        and as_utc(first.valid_from) <= now < as_utc(first.valid_until)
    )


def _choose(
    db: Session,
    actor: str,
    wanted: Mapping[str, tuple[str, ...]],
    applications: Mapping[str, Application],
    now: datetime,
) -> DelegatedAccess:
    """The oldest active delegation granting everything asked, read as committed now."""
    if is_actor_suspended(db, actor):
        number = next(iter(wanted))
        raise AccessRefused(
            f"{wanted[number][0]} on {number} is not delegated (actor_suspended)",
            reason="actor_suspended",
            application=number,
            action=wanted[number][0],
        )
    ids = [applications[number].id for number in wanted]
    rows = db.execute(_CANDIDATES, {"actor": actor, "application_ids": ids}).all()
    by_delegation: dict[str, list[Any]] = {}
    for row in rows:
        by_delegation.setdefault(row.id, []).append(row)
    for delegation_id, covering in by_delegation.items():
        if _grants_all(covering, wanted, now):
            return _access(delegation_id, covering[0].kind, actor, wanted, applications)
    raise _refusal(rows, wanted, applications, now)


def _access(
    delegation_id: str,
    kind: str,
    actor: str,
    wanted: Mapping[str, tuple[str, ...]],
    applications: Mapping[str, Application],
) -> DelegatedAccess:
    granted = tuple(
        GrantedApplication(
            application_id=applications[number].id,
            number=number,
            program=applications[number].program,
            portal_client_id=applications[number].portal_client_id,
            actions=actions,
        )
        for number, actions in wanted.items()
    )
    principal = next(iter(applications.values())).applicant_subject
    return DelegatedAccess(delegation_id, principal, actor, DelegationKind(kind), granted)


def resolve_access(
    db: Session,
    *,
    actor: str,
    portal_client_id: str,
    requested: Sequence[tuple[str, Sequence[str]]],
    now: datetime,
    lock: bool = True,
) -> DelegatedAccess:
    """The one delegation granting every (application number, actions) asked at this
    portal, for one applicant; `AccessRefused` names what is not granted and why.

    With `lock`, the chosen delegation is locked and checked again, so the caller's
    issuance is serialized with any change to it until its transaction ends.
    """
    wanted = _requested(requested)
    applications = _applications(db, actor, portal_client_id, wanted)
    for _attempt in range(MAX_RESOLVE_ATTEMPTS):
        access = _choose(db, actor, wanted, applications, now)
        if not lock or access_allows(db, access.delegation_id, now, access.grants, lock=True):
            return access
    raise AccessRefused(
        "the delegation changed while the token was being issued; ask again",
        reason="delegation_changed",
        application=next(iter(wanted)),
    )


# The name the introspection check had before `access_allows`; kept for its callers.
delegation_allows = access_allows
