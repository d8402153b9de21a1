"""Who may use the officer pages: an account with the `officer` role, signed in with a
second factor (an officer's password alone never invites anyone or reviews anything)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.deps import Me, SignedIn
from idp.errors import NotAllowed, StepUpRequired

OFFICER_ROLE = "officer"


async def officer(request: Request, me: Me) -> SignedIn:
    if OFFICER_ROLE not in (me.account.roles or []):
        raise NotAllowed("this page is for officers")
    if me.session.acr != ACR_MULTI_FACTOR:
        raise StepUpRequired(request.url.path)
    return me


Officer = Annotated[SignedIn, Depends(officer)]
OFFICERS_ONLY = [Depends(officer)]
