"""Edges to the outside world, one folder per family, each with its `ports.py`.

- `store/`: ephemeral shared state (Redis, in-process).
- `mail/`: outgoing mail (SMTP, development mailbox).
"""

from adapters.mail import DevMailbox, Mailer, MailError, OutgoingMail, SmtpMailer, StoredMail
from adapters.store import EphemeralStore, MemoryStore, RedisStore, StoreUnavailable

__all__ = [
    "DevMailbox",
    "EphemeralStore",
    "MailError",
    "Mailer",
    "MemoryStore",
    "OutgoingMail",
    "RedisStore",
    "SmtpMailer",
    "StoreUnavailable",
    "StoredMail",
]
