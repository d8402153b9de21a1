"""Telling the applicant when a portal changes one of their applications.

A portal reports a new status or more unread correspondence (`PATCH /api/applications`):
the applicant gets one mail, in their language, naming the portal (its profile's name) and
the application (its program as the profile names it), the new status in the portal's own
words (its profile's label), how many new messages wait, and where to read them. A report
that changes nothing, only the link, or lowers the unread count (the person read them)
sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters import OutgoingMail
from consent import Application
from idp.accounts.models import Account
from idp.clients.profiles import PortalProfiles
from idp.clients.service import RegisteredClient
from idp.notifications.application_mails import ApplicationNews, application_news_mail

CONSOLE_PATH = "/account/applications"


@dataclass(frozen=True, slots=True)
class ApplicationState:
    """What a change is measured against: the application before the portal's report."""

    status: str
    unread_count: int

    @classmethod
    def of(cls, application: Application) -> ApplicationState:
        return cls(application.status, application.unread_count)


def news_mail(
    db: Session,
    application: Application,
    before: ApplicationState,
    portal: RegisteredClient,
    profiles: PortalProfiles,
    issuer: str,
) -> OutgoingMail | None:
    """The mail for the applicant, or None when nothing they need to know changed."""
    status_changed = application.status != before.status
    new_messages = max(0, application.unread_count - before.unread_count)
    if not status_changed and not new_messages:
        return None
    account = db.scalar(select(Account).where(Account.subject == application.applicant_subject))
    if account is None or not account.is_active:
        return None
    locale = account.locale
    news = ApplicationNews(
        portal=profiles.portal_name(portal, locale),
        program=profiles.program_label(portal, application.program, locale),
        number=application.portal_reference,
        status=profiles.status_label(portal, application.status, locale)
        if status_changed
        else None,
        new_messages=new_messages,
        link=application.deep_link,
        console=issuer + CONSOLE_PATH,
    )
    return application_news_mail(account.email, locale, news)
