"""The mails of linking a legacy account: the code to its email, the notice once linked."""

from __future__ import annotations

from adapters import OutgoingMail
from idp.authn.email_code import CODE_TTL_SECONDS
from idp.notifications.mails import signature, tr


def legacy_code_mail(
    to: str, locale: str, *, code: str, portal: str, username: str
) -> OutgoingMail:
    body = "\n\n".join(
        [
            tr(
                locale,
                "Someone signed in to Passerelle wants to link your %(portal)s account "
                "(username %(username)s) to their Passerelle account. If it is you, enter "
                "this code:",
                portal=portal,
                username=username,
            ),
            code,
            tr(locale, "The code expires in %(minutes)s minutes.", minutes=CODE_TTL_SECONDS // 60),
            tr(
                locale, "If it is not you, ignore this message: nothing is linked without the code."
            ),
            signature(locale),
        ]
    )
    subject = tr(locale, "Your code to link your %(portal)s account", portal=portal)
    return OutgoingMail(to=to, subject=subject, text=body, language=locale)


def legacy_linked_mail(
    to: str, locale: str, *, portal: str, username: str, count: int
) -> OutgoingMail:
    body = "\n\n".join(
        [
            tr(
                locale,
                "Your %(portal)s account (username %(username)s) was linked to your "
                "Passerelle account. Applications added to My applications: %(count)s.",
                portal=portal,
                username=username,
                count=count,
            ),
            tr(
                locale,
                "If this was not you, recover your account now and contact us: the help page "
                "below says how.",
            ),
            signature(locale),
        ]
    )
    subject = tr(locale, "Security notice from Passerelle")
    return OutgoingMail(to=to, subject=subject, text=body, language=locale)
