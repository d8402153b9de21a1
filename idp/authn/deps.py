"""Dependencies of sign-in: who is signed in, how freshly, and the objects sign-in uses.

`Me` is the signed-in person (a live session and an active account) or a
`SignInRequired` error; `RecentSecondFactor` additionally insists on a second factor
proven in the last `STEP_UP_MAX_AGE_SECONDS` (granting, approving, changing a factor),
else a `StepUpRequired` error that leads to the step-up page and back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from idp.accounts.models import Account
from idp.accounts.passwords import Passwords
from idp.authn.assurance import ACR_MULTI_FACTOR
from idp.authn.attempts import Budgets
from idp.authn.device_cookies import DeviceCookies
from idp.authn.sessions import (
    BrowserSession,
    SessionEndListener,
    SessionPolicy,
    find_session_and_account,
)
from idp.authn.web import session_cookie_of
from idp.errors import SignInRequired, StepUpRequired
from idp.http.deps import Db, Now, shared

STEP_UP_MAX_AGE_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind this request: their session, their account, their cookie."""

    session: BrowserSession
    account: Account
    cookie: str

    @property
    def subject(self) -> str:
        return self.account.subject

    def has_recent_second_factor(self, now: datetime) -> bool:
        return (
            self.session.acr == ACR_MULTI_FACTOR
            and now.timestamp() - self.session.auth_time <= STEP_UP_MAX_AGE_SECONDS
        )


def find_signed_in(
    db: Session, cookie: str | None, now: datetime, *, lock: bool = False
) -> SignedIn | None:
    found = find_session_and_account(db, cookie, now, lock=lock)
    if found is None or cookie is None or not found[1].is_active:
        return None
    return SignedIn(found[0], found[1], cookie)


def signed_in_here(request: Request, db: Session, now: datetime) -> SignedIn | None:
    """`MaybeMe` read in the handler's own thread, the session row locked until the
    transaction ends: for the authorization endpoints, which read the session on every
    step (one thread hop a request instead of two) and may add the portal to it."""
    return find_signed_in(
        db, session_cookie_of(request, shared(request, "settings")), now, lock=True
    )


async def maybe_signed_in(request: Request, db: Db, now: Now) -> SignedIn | None:
    """The person, if the request carries a session cookie that is live: without a cookie
    the answer is known on the event loop (no thread hop); with one, the session and the
    account are read in the pool."""
    cookie = session_cookie_of(request, shared(request, "settings"))
    if not cookie:
        return None
    return await run_in_threadpool(find_signed_in, db, cookie, now)


async def signed_in(me: Annotated[SignedIn | None, Depends(maybe_signed_in)]) -> SignedIn:
    if me is None:
        raise SignInRequired()
    return me


async def recent_second_factor(
    request: Request, me: Annotated[SignedIn, Depends(signed_in)], now: Now
) -> SignedIn:
    if not me.has_recent_second_factor(now):
        raise StepUpRequired(request.url.path)
    return me


def recent_second_factor_then(return_to: str) -> Callable[..., Awaitable[SignedIn]]:
    """`RecentSecondFactor` for a form's POST whose path has no page: come back to `return_to`."""

    async def dependency(me: Annotated[SignedIn, Depends(signed_in)], now: Now) -> SignedIn:
        if not me.has_recent_second_factor(now):
            raise StepUpRequired(return_to)
        return me

    return dependency


async def app_passwords(request: Request) -> Passwords:
    return cast(Passwords, shared(request, "passwords"))


async def app_budgets(request: Request) -> Budgets:
    return cast(Budgets, shared(request, "budgets"))


async def app_device_cookies(request: Request) -> DeviceCookies:
    return cast(DeviceCookies, shared(request, "device_cookies"))


async def app_session_policy(request: Request) -> SessionPolicy:
    return cast(SessionPolicy, shared(request, "session_policy"))


async def app_session_listener(request: Request) -> SessionEndListener:
    return cast(SessionEndListener, shared(request, "session_listener"))


MaybeMe = Annotated[SignedIn | None, Depends(maybe_signed_in)]
Me = Annotated[SignedIn, Depends(signed_in)]
RecentSecondFactor = Annotated[SignedIn, Depends(recent_second_factor)]
PasswordsDep = Annotated[Passwords, Depends(app_passwords)]
BudgetsDep = Annotated[Budgets, Depends(app_budgets)]
DeviceCookiesDep = Annotated[DeviceCookies, Depends(app_device_cookies)]
SessionPolicyDep = Annotated[SessionPolicy, Depends(app_session_policy)]
SessionListener = Annotated[SessionEndListener, Depends(app_session_listener)]
