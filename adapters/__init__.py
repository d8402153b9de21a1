"""Edges to the outside world, one folder per family; a family that talks to a service
declares its contract in `ports.py`, with a real and an embedded implementation.

- `store/`: ephemeral shared state (Redis, in-process).
- `mail/`: outgoing mail (SMTP, development mailbox).
- `portals/`: portal profiles, one TOML file per portal, and their loader.
- `registers/`: membership registers of representatives' bodies (file-backed sample).
- `localized_text.py`: `LocalizedText`, a text in English and French.
"""

from adapters.localized_text import LocalizedText
from adapters.mail import DevMailbox, Mailer, MailError, OutgoingMail, SmtpMailer, StoredMail
from adapters.portals import (
    DELEGATED_ACTIONS,
    PROFILES_FOLDER,
    READ_ACTIONS,
    ClientFields,
    PortalProfile,
    ProfileError,
    SubjectType,
    load_portal_profile,
    load_portal_profiles,
)
from adapters.registers import (
    MAX_MEMBERSHIP_NUMBER_LENGTH,
    BodyKind,
    FileMembershipRegister,
    InvalidMembershipQuery,
    MembershipBody,
    MembershipRecord,
    MembershipRegister,
    MembershipStatus,
    RegisterError,
    RegisterFileInvalid,
)
from adapters.store import (
    AsyncRedisStore,
    AsyncStore,
    EphemeralStore,
    MemoryStore,
    RedisStore,
    StoreUnavailable,
)

__all__ = [
    "DELEGATED_ACTIONS",
    "MAX_MEMBERSHIP_NUMBER_LENGTH",
    "PROFILES_FOLDER",
    "READ_ACTIONS",
    "AsyncRedisStore",
    "AsyncStore",
    "BodyKind",
    "ClientFields",
    "DevMailbox",
    "EphemeralStore",
    "FileMembershipRegister",
    "InvalidMembershipQuery",
    "LocalizedText",
    "MailError",
    "Mailer",
    "MembershipBody",
    "MembershipRecord",
    "MembershipRegister",
    "MembershipStatus",
    "MemoryStore",
    "OutgoingMail",
    "PortalProfile",
    "ProfileError",
    "RedisStore",
    "RegisterError",
    "RegisterFileInvalid",
    "SmtpMailer",
    "StoreUnavailable",
    "StoredMail",
    "SubjectType",
    "load_portal_profile",
    "load_portal_profiles",
]
