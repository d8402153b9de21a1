"""`Mail`: the messages a request sends, delivered once its unit of work has committed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from adapters import OutgoingMail
from idp.http.deps import AppSettings, UnitOfWork, Work
from idp.notifications.mails import with_help


class Postbox:
    """Mail for after the commit: `send` queues (with the help footer), the unit of work
    delivers."""

    def __init__(self, work: UnitOfWork, issuer: str) -> None:
        self._work = work
        self._issuer = issuer

    def send(self, mail: OutgoingMail) -> None:
        self._work.outgoing.append(with_help(mail, self._issuer))


async def postbox(work: Work, settings: AppSettings) -> Postbox:
    return Postbox(work, settings.issuer)


Mail = Annotated[Postbox, Depends(postbox)]
