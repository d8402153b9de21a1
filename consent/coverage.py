"""The one rule: delegation D covers application A (DESIGN.md section 5).

D covers A when A belongs to D's principal and D either names A (a row of
`consent_delegation_applications`) or covers all of the principal's applications at A's
portal. `COVERS` is that rule as one SQLAlchemy condition on `Delegation` and
`Application`; `decide`, the introspection check (`access_allows`) and issuance
(`resolve_access`) all build their statements on it, so the rule is written once.
`ACTIVE_DELEGATIONS_OF_ACTOR` adds "active, to this actor" for the join from applications.
"""

from __future__ import annotations

from sqlalchemy import and_, bindparam, or_, select

from consent.actions import DelegationStatus
from consent.models import ActorSuspension, Application, Delegation, DelegationApplication

_NAMES_IT = (
    select(DelegationApplication.delegation_id)
    .where(
        DelegationApplication.delegation_id == Delegation.id,
        DelegationApplication.application_id == Application.id,
    )
    # Delegation and Application come from the enclosing statement, however deep.
    .correlate_except(DelegationApplication)
    .exists()
)

COVERS = and_(
    Delegation.principal_subject == Application.applicant_subject,
    or_(
        _NAMES_IT,
        and_(
            Delegation.all_applications.is_(True),
            Delegation.portal_client_id == Application.portal_client_id,
        ),
    ),
)

# Joined from `Application`: the active delegations of the actor bound as `:actor` that
# cover the application.
ACTIVE_DELEGATIONS_OF_ACTOR = and_(
    Delegation.actor_subject == bindparam("actor"),
    Delegation.status == DelegationStatus.ACTIVE.value,
    COVERS,
)

# True when the actor bound as `:actor` is suspended (a primary-key probe).
ACTOR_IS_SUSPENDED = (
    select(ActorSuspension.actor_subject)
    .where(ActorSuspension.actor_subject == bindparam("actor"))
    .exists()
)
