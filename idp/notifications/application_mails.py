"""The mail an applicant gets when a portal changes one of their applications.

It names the portal and the application, says what changed (the new status in the
portal's own words, or new messages waiting), and links to where to read it: the
portal's page for the application when it gave one, and the applicant's list of
applications in Passerelle.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters import OutgoingMail
from idp.notifications.mails import signature, tr


@dataclass(frozen=True, slots=True)
class ApplicationNews:
    portal: str  # the portal's name in the person's language
    program: str
    number: str
    status: str | None  # the new status's label, when it changed
    new_messages: int  # how many more unread messages than before (0: none)
    link: str  # the portal's page for the application ("" when it gave none)
    console: str  # the applicant's list of applications in Passerelle


def application_news_mail(to: str, locale: str, news: ApplicationNews) -> OutgoingMail:
    values = {"portal": news.portal, "program": news.program, "number": news.number}
    lines = [tr(locale, "%(portal)s updated your application %(program)s %(number)s.", **values)]
    if news.status is not None:
        lines.append(tr(locale, "New status: %(status)s", status=news.status))
    if news.new_messages:
        lines.append(
            tr(
                locale,
                "New messages waiting for you at %(portal)s: %(count)s",
                portal=news.portal,
                count=news.new_messages,
            )
        )
    if news.link:
        lines.append(
            tr(locale, "Read it at %(portal)s: %(link)s", portal=news.portal, link=news.link)
        )
    lines.append(tr(locale, "All your applications: %(url)s", url=news.console))
    lines.append(signature(locale))
    subject = tr(locale, "News about your application %(number)s at %(portal)s", **values)
    return OutgoingMail(to=to, subject=subject, text="\n\n".join(lines), language=locale)
