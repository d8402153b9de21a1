"""SMTP delivery (`IDP_SMTP_URL`, e.g. `smtp://mail:1025` or `smtps://user:pass@host:465`).

`smtp://` upgrades with STARTTLS when the server offers it; `smtps://` is TLS from the
first byte. Each message is its own connection: sign-in mail is rare and must not wait
behind a stuck pooled connection.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from adapters.mail.ports import MailError, OutgoingMail

SMTP_TIMEOUT_SECONDS = 10


class SmtpMailer:
    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("IDP_SMTP_URL must look like smtp://host:port or smtps://host:port")
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender

    def send(self, mail: OutgoingMail) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self._sender.rpartition("@")[2] or None)
        message.set_content(mail.text)  # resets Content-* headers, so language comes after
        message["Content-Language"] = mail.language
        context = ssl.create_default_context()
        try:
            if self._tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self._host, self._port, timeout=SMTP_TIMEOUT_SECONDS, context=context
                )
            else:
                client = smtplib.SMTP(self._host, self._port, timeout=SMTP_TIMEOUT_SECONDS)
            with client:
                if not self._tls and client.has_extn("starttls"):
                    client.starttls(context=context)
                if self._user and self._password:
                    client.login(self._user, self._password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"SMTP delivery to {self._host}:{self._port} failed: {error}") from None
