"""Mail about a delegation, to the person on the other side of it, in their language.

To the representative when they are appointed, when their access changes, is revoked or
suspended; to the applicant when a representative asks for access, accepts or declines.
"""

from __future__ import annotations

from adapters import OutgoingMail
from idp.notifications.mails import signature, tr

EVENTS = ("appointed", "changed", "revoked", "suspended", "requested", "accepted", "declined")


def _text(locale: str, event: str, person: str, what: str, kind: str) -> tuple[str, str]:
    """(subject, first paragraph) of each event."""
    texts = {
        "appointed": (
            tr(locale, "You were appointed as a representative"),
            tr(
                locale,
                "%(person)s appointed you (%(kind)s) for: %(what)s. Accept on your "
                "dashboard to start acting.",
                person=person,
                kind=kind,
                what=what,
            ),
        ),
        "changed": (
            tr(locale, "Your access as a representative changed"),
            tr(
                locale,
                "%(person)s changed what you may do for: %(what)s.",
                person=person,
                what=what,
            ),
        ),
        "revoked": (
            tr(locale, "Your access as a representative ended"),
            tr(locale, "%(person)s ended your access to: %(what)s.", person=person, what=what),
        ),
        "suspended": (
            tr(locale, "Your access as a representative is suspended"),
            tr(locale, "An officer suspended your access to: %(what)s.", what=what),
        ),
        "requested": (
            tr(locale, "A representative asks for access to your application"),
            tr(
                locale,
                "%(person)s asks for access to %(what)s as: %(kind)s. Approve or refuse on "
                'your "My representatives" page.',
                person=person,
                what=what,
                kind=kind,
            ),
        ),
        "accepted": (
            tr(locale, "Your representative accepted"),
            tr(
                locale,
                "%(person)s accepted to act for you on: %(what)s.",
                person=person,
                what=what,
            ),
        ),
        "declined": (
            tr(locale, "Your representative declined"),
            tr(
                locale, "%(person)s declined to act for you on: %(what)s.", person=person, what=what
            ),
        ),
    }
    return texts[event]


def delegation_mail(
    to: str, locale: str, event: str, *, person: str, what: str, kind: str
) -> OutgoingMail:
    subject, intro = _text(locale, event, person, what, kind)
    body = "\n\n".join(
        [
            intro,
            tr(
                locale,
                "If something here is wrong, sign in to Passerelle: you can end any access "
                "at once.",
            ),
            signature(locale),
        ]
    )
    return OutgoingMail(to=to, subject=subject, text=body, language=locale)
