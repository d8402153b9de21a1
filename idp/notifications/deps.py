"""`Mail`: the messages a request sends, delivered once its unit of work has committed.

`send` delivers before the answer leaves, so a mail server that refuses makes the answer
a 503: for mail the person waits for (a code, an invitation), which asking again resends.
`send_after_answer` is for mail that only some answers send, where its cost or its
failure would tell a stranger something (a recovery code: an unknown email gets none), and
for the owner's notice of a change already committed (`notice_mail`), which a 503 "nothing
you saved is lost, try again" would belie (a new password, new recovery codes never shown,
a spent recovery code): it is delivered once the answer has been sent, and a failure is
logged, never answered.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import BackgroundTasks, Depends

from adapters import Mailer, MailError, OutgoingMail
from idp.http.deps import AppSettings, UnitOfWork, Work
from idp.notifications.mails import with_help

log = logging.getLogger("idp.notifications")


def deliver_after_answer(mailer: Mailer, mail: OutgoingMail) -> None:
    """Deliver `mail`; the answer has gone, so a refusal can only be logged (never the
    body: it may hold a code)."""
    try:
        mailer.send(mail)
    except MailError as error:
        log.warning("mail sent after the answer was not delivered: %s", error)


class Postbox:
    """Mail for after the commit: `send` queues (with the help footer), the unit of work
    delivers; `send_after_answer` leaves it for once the answer is sent."""

    def __init__(self, work: UnitOfWork, issuer: str, background: BackgroundTasks) -> None:
        self._work = work
        self._issuer = issuer
        self._background = background

    def send(self, mail: OutgoingMail) -> None:
        self._work.outgoing.append(with_help(mail, self._issuer))

    def send_after_answer(self, mail: OutgoingMail) -> None:
        self._background.add_task(
            deliver_after_answer, self._work.mailer, with_help(mail, self._issuer)
        )


async def postbox(work: Work, settings: AppSettings, background: BackgroundTasks) -> Postbox:
    return Postbox(work, settings.issuer, background)


Mail = Annotated[Postbox, Depends(postbox)]
