"""The development mailbox: each message becomes an `.eml` file in a folder.

The embedded default shows them at `/dev/mailbox`, so a newcomer reads the confirmation
code without a mail server; the CLI and the server share the folder, so mail sent by
either shows up. Never used when `IDP_SMTP_URL` is set. The folder (0700) and the messages
(0600) are readable by their owner only: they hold codes.
"""

from __future__ import annotations

import email
import email.policy
import os
import secrets
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

from adapters.mail.ports import MailError, OutgoingMail

MAX_KEPT_MESSAGES = 200


@dataclass(frozen=True, slots=True)
class StoredMail:
    id: str
    to: str
    subject: str
    text: str
    date: str


class DevMailbox:
    def __init__(self, folder: Path, sender: str = "passerelle@localhost") -> None:
        self._folder = folder
        self._sender = sender

    def send(self, mail: OutgoingMail) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message.set_content(mail.text)
        path = self._folder / f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml"
        try:
            self._write(path, message.as_bytes())
        except OSError as error:  # a full or read-only data dir: said as a refused mail
            raise MailError(f"the development mailbox could not keep it: {error}") from None
        for old in sorted(self._folder.glob("*.eml"))[:-MAX_KEPT_MESSAGES]:
            old.unlink(missing_ok=True)

    def _write(self, path: Path, content: bytes) -> None:
        """Write the whole message or leave no file (a half-written one would not parse)."""
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
        except OSError:
            path.unlink(missing_ok=True)
            raise

    def messages(self, to: str | None = None) -> list[StoredMail]:
        """Newest first, optionally only those sent to `to`."""
        if not self._folder.exists():
            return []
        found = []
        for path in sorted(self._folder.glob("*.eml"), reverse=True):
            parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if to is not None and parsed["To"] != to:
                continue
            body = parsed.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            found.append(
                StoredMail(
                    path.stem, str(parsed["To"]), str(parsed["Subject"]), text, str(parsed["Date"])
                )
            )
        return found
