"""Inviting a person (officers, and `idp invitations create`): the invitation and its mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from adapters import OutgoingMail
from idp.accounts.invitations import INVITATION_TTL_DAYS, create_invitation
from idp.notifications.mails import invitation_mail


def invite(
    db: Session,
    *,
    issuer: str,
    email: str,
    name: str,
    locale: str,
    invited_by: str | None,
    now: datetime,
) -> OutgoingMail:
    """Create an invitation; return the mail that carries its link, in the invitee's language."""
    issued = create_invitation(
        db, email=email, name=name, invited_by=invited_by, now=now, locale=locale
    )
    return invitation_mail(
        issued.invitation.email, locale, name, issued.link(issuer), INVITATION_TTL_DAYS
    )
