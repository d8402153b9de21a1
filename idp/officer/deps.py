"""Who may use the officer pages: an account with the `officer` role, signed in with a
second factor (an officer's password alone never invites anyone or reviews anything)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from idp.accounts.models import Role
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.deps import Me, SignedIn
from idp.errors import NotAllowed, StepUpRequired


async def officer(request: Request, me: Me) -> SignedIn:
    if not me.account.has_role(Role.OFFICER):
        raise NotAllowed("this page is for officers")
    if me.session.acr != ACR_MULTI_FACTOR:
        raise StepUpRequired(request.url.path)
    return me


Officer = Annotated[SignedIn, Depends(officer)]
OFFICERS_ONLY = [Depends(officer)]
