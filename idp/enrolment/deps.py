"""Dependencies of the enrolment pages: the membership register, and the signed-in
person's enrolment with the steps it has done."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import Request

from adapters import MembershipRegister
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.deps import Me, SignedIn
from idp.authn.signin import second_factors
from idp.http.deps import Db, shared


async def membership_register(request: Request) -> MembershipRegister:
    return cast(MembershipRegister, shared(request, "membership_register"))


Register = Annotated[MembershipRegister, Depends(membership_register)]


def has_second_factor_session(db: Db, me: SignedIn) -> bool:
    """The account has a second factor and this session proved it (representatives must
    use one: DESIGN.md section 6)."""
    return me.session.acr == ACR_MULTI_FACTOR and second_factors(db, me.account.id).any


def second_factor_state(me: Me, db: Db) -> bool:
    return has_second_factor_session(db, me)


SecondFactorReady = Annotated[bool, Depends(second_factor_state)]
