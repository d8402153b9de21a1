"""Mail family: the `Mailer` port, SMTP delivery and the development mailbox."""

from adapters.mail.dev import DevMailbox, StoredMail
from adapters.mail.ports import Mailer, MailError, OutgoingMail
from adapters.mail.smtp import SmtpMailer

__all__ = ["DevMailbox", "MailError", "Mailer", "OutgoingMail", "SmtpMailer", "StoredMail"]
