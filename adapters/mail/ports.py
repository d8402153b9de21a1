"""The mail port: sending one message to one person.

SMTP in production (`SmtpMailer`), a folder of `.eml` files shown on a development page in
the embedded default (`DevMailbox`). Both satisfy one contract test suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    to: str
    subject: str
    text: str
    language: str = "en"


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> None:
        """Deliver or raise `MailError`; never log the body (it may hold a code)."""
        ...


class MailError(Exception):
    code = "mail_failed"
