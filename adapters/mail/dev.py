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

from adapters.mail.ports import OutgoingMail

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
        self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message["Date"] = formatdate(localtime=False)
        message.set_content(mail.text)
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml"
        fd = os.open(self._folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        for old in sorted(self._folder.glob("*.eml"))[:-MAX_KEPT_MESSAGES]:
            old.unlink(missing_ok=True)

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
