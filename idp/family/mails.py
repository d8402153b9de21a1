"""The mail inviting a family member: their own account, then the shared information."""

from __future__ import annotations

from adapters import OutgoingMail
from idp.notifications.mails import signature, tr


def family_invitation_mail(
    to: str, locale: str, *, name: str, inviter: str, link: str, days: int
) -> OutgoingMail:
    body = "\n\n".join(
        [
            tr(locale, "Hello %(name)s,", name=name or to),
            tr(
                locale,
                "%(inviter)s invites you to create your own Passerelle account. They chose "
                "you as their designated individual: once you accept, you can read the "
                "status of their immigration applications and their messages, nothing more.",
                inviter=inviter,
            ),
            tr(locale, "Open this link to choose your password:"),
            link,
            tr(locale, "The link works once and expires in %(days)s days.", days=days),
            tr(
                locale,
                "If you do not know this person, ignore this message: no account is created.",
            ),
            signature(locale),
        ]
    )
    subject = tr(locale, "%(inviter)s invites you to Passerelle", inviter=inviter)
    return OutgoingMail(to=to, subject=subject, text=body, language=locale)
