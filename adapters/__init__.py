"""Edges to the outside world, one folder per family, each with its `ports.py`.

- `store/`: ephemeral shared state (Redis, in-process).
- `mail/`: outgoing mail (SMTP, development mailbox).
- `portals/`: portal profiles, one TOML file per portal, and their loader.
"""

from adapters.mail import DevMailbox, Mailer, MailError, OutgoingMail, SmtpMailer, StoredMail
from adapters.portals import (
    DELEGATED_ACTIONS,
    READ_ACTIONS,
    ClientFields,
    LocalizedText,
    PortalProfile,
    ProfileError,
    SubjectType,
    load_portal_profile,
    load_portal_profiles,
)
from adapters.store import EphemeralStore, MemoryStore, RedisStore, StoreUnavailable

__all__ = [
    "DELEGATED_ACTIONS",
    "READ_ACTIONS",
    "ClientFields",
    "DevMailbox",
    "EphemeralStore",
    "LocalizedText",
    "MailError",
    "Mailer",
    "MemoryStore",
    "OutgoingMail",
    "PortalProfile",
    "ProfileError",
    "RedisStore",
    "SmtpMailer",
    "StoreUnavailable",
    "StoredMail",
    "SubjectType",
    "load_portal_profile",
    "load_portal_profiles",
]
