"""Suspending and reinstating a representative (officers' page and `idp representatives`).

A suspension applies at once to every delegation the representative holds (their
portals are told), marks their representative record suspended (no paid representation,
no representative claims, no representative ID in tokens) and removes the role; a
reinstatement undoes the record and the role. Both need a reason, recorded and mailed to
the representative in their language.

TODO(#9): consent's `suspend_actor(db, actor, *, by, reason, now)` (requested and
pending delegations included) and `reinstate_actor(db, actor, *, by, now)` are landing
with the consent rework; switch `suspend_representative` to them and call
`reinstate_actor` in `reinstate` below (today reinstating restores the record and the
role; the delegations stay suspended and the applicants appoint again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from adapters import OutgoingMail
from idp.accounts.models import Account
from idp.delegation.events import PortalAnnouncer
from idp.delegation.service import suspend_representative
from idp.errors import InvalidInput
from idp.notifications.enrolment_mails import suspension_mail
from idp.representatives.service import RepresentativeStatus, set_status

MAX_REASON_LENGTH = 500


@dataclass(frozen=True, slots=True)
class StatusChange:
    delegations: int
    mail: OutgoingMail


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text or len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(
            "reason",
            f"give a reason of 1 to {MAX_REASON_LENGTH} characters",
            limit=MAX_REASON_LENGTH,
            code="required" if not text else "too_long",
        )
    return text


def suspend(
    db: Session,
    announcer: PortalAnnouncer,
    account: Account,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> StatusChange:
    text = check_reason(reason)
    suspended = suspend_representative(db, announcer, account.subject, by, now)
    set_status(db, account, RepresentativeStatus.SUSPENDED, by=by, reason=text, now=now)
    mail = suspension_mail(account.email, account.locale, suspended=True, reason=text)
    return StatusChange(len(suspended), mail)


def reinstate(
    db: Session, account: Account, *, by: str, reason: str, now: datetime
) -> StatusChange:
    text = check_reason(reason)
    set_status(db, account, RepresentativeStatus.ACTIVE, by=by, reason=text, now=now)
    # TODO(#9): reinstate_actor(db, account.subject, by=by, now=now) once consent has it.
    mail = suspension_mail(account.email, account.locale, suspended=False, reason=text)
    return StatusChange(0, mail)
