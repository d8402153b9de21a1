"""Every setting of the service: one pydantic-settings class, prefix ``IDP_``.

Built once by ``main()`` (or a test fixture) and passed to ``create_app(settings)``; nothing
here runs at import time. Each field has an embedded-mode default so ``idp serve`` works with
no configuration, and a description that the README's settings table repeats (a test keeps
the two in step). ``validate_for_startup`` refuses unsafe production combinations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SigningAlg = Literal["ES256", "RS256", "EdDSA"]


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message names the variable and accepted values."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IDP_", extra="ignore", frozen=True)

    issuer: str = Field(
        "http://127.0.0.1:8000",
        description="Public base URL of the provider, the `iss` of every token. "
        "Must be https outside loopback.",
    )
    data_dir: Path = Field(
        Path(".idp"),
        description="Folder for embedded-mode files: the SQLite database and the "
        "generated master key.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL of the database, e.g. "
        "`postgresql+psycopg://idp:secret@db/idp`. Empty: SQLite file in the data dir.",
    )
    redis_url: str = Field(
        "",
        description="Redis URL for short-lived state (codes, interactions, replay caches, "
        "rate limits), e.g. `redis://redis:6379/0`. Empty: in-process store (one process only).",
    )
    database_connect_timeout_seconds: int = Field(
        3, ge=1, le=60, description="How long to wait for a new PostgreSQL connection."
    )
    database_statement_timeout_ms: int = Field(
        5000,
        ge=100,
        le=600_000,
        description="PostgreSQL `statement_timeout` of the service's connections.",
    )
    database_pool_size: int = Field(
        20,
        ge=1,
        le=200,
        description="Database connections kept open per process (about the requests it "
        "serves at once).",
    )
    redis_timeout_seconds: float = Field(
        0.5,
        gt=0,
        le=30,
        description="Connect and read timeout of every Redis call (then the request answers 503).",
    )
    readiness_timeout_seconds: float = Field(
        2.0,
        gt=0,
        le=30,
        description="How long `/readyz` waits for each dependency (database, store, signing "
        "keys) before answering 503 naming it.",
    )
    redis_prefix: str = Field(
        "idp:", description="Prefix of every Redis key, so deployments can share one Redis."
    )
    master_key: SecretStr = Field(
        SecretStr(""),
        description="Base64url 32-byte key that encrypts private signing keys at rest. "
        "Empty: generated into the data dir (embedded SQLite mode only; refused with an "
        "https issuer or IDP_DATABASE_URL).",
    )
    smtp_url: str = Field(
        "",
        description="SMTP server for mail, e.g. `smtp://mail:1025` or "
        "`smtps://user:pass@host:465`. "
        "Empty: the development mailbox at `/dev/mailbox`, allowed only on the embedded "
        "defaults (SQLite, in-process store) with a loopback issuer; otherwise startup refuses.",
    )
    mail_from: str = Field(
        "Passerelle <no-reply@passerelle.localhost>", description="Sender of every message."
    )
    portal_profiles_dir: Path | None = Field(
        None,
        description="Folder of portal profiles (`<slug>.toml`) the service names portals and "
        "statuses with, and `idp portals sync` registers. Empty: the shipped profiles.",
    )
    outbox_dispatcher: bool = Field(
        True,
        description="Run the outbox dispatcher thread in this process (off for a replica "
        "that should only serve requests, while `idp outbox deliver` or another replica sends).",
    )
    outbox_poll_seconds: float = Field(
        1.0, gt=0, le=60, description="How often the outbox dispatcher looks for messages to send."
    )
    access_token_alg: SigningAlg = Field(
        "ES256", description="Signing algorithm of JWT access tokens (RFC 9068)."
    )
    id_token_default_alg: SigningAlg = Field(
        "RS256",
        description="ID token algorithm for clients that registered no "
        "`id_token_signed_response_alg` (OIDC Registration's default).",
    )
    access_token_ttl_seconds: int = Field(600, ge=30, le=3600, description="Access token lifetime.")
    id_token_ttl_seconds: int = Field(600, ge=30, le=3600, description="ID token lifetime.")
    refresh_token_ttl_seconds: int = Field(
        30 * 24 * 3600, ge=300, description="Refresh token lifetime (each rotation resets it)."
    )
    auth_code_ttl_seconds: int = Field(
        60, ge=10, le=600, description="Authorization code lifetime (RFC 6749 advises 10 min max)."
    )
    session_ttl_seconds: int = Field(
        8 * 3600, ge=300, description="Browser sign-in session lifetime."
    )
    interaction_ttl_seconds: int = Field(
        1800, ge=60, description="How long a pending authorization request waits for sign-in."
    )
    cookie_secure: bool = Field(
        True,
        description="Mark cookies `Secure` and name them `__Host-…`. Keep on; browsers allow "
        "it on loopback http.",
    )
    default_locale: Literal["en", "fr"] = Field("en", description="Language when nothing asks.")
    display_timezone: str = Field(
        "America/Toronto",
        description="IANA time zone in which pages show times, with its abbreviation "
        "(`EST`/`HNE`), and the dates of instants; the activity page's days are its days, "
        "and an end date typed for access lasts until midnight there. Stored times stay UTC.",
    )
    login_rate_limit: str = Field(
        "10/minute",
        description="Sign-in attempts allowed per account and per address (limits syntax).",
    )
    password_hash_memory_kib: int = Field(
        65536,
        ge=19456,
        description="argon2id memory cost in KiB (RFC 9106's second recommended option: "
        "64 MiB; OWASP's floor, the least accepted: 19 MiB).",
    )
    password_hash_time_cost: int = Field(
        3, ge=2, description="argon2id passes (RFC 9106: 3; OWASP's floor: 2)."
    )
    password_hash_parallelism: int = Field(
        4, ge=1, description="argon2id lanes (RFC 9106: 4; OWASP's floor: 1)."
    )
    password_hashes_in_flight: int = Field(
        2,
        ge=1,
        le=64,
        description="argon2id hashes one process runs at once; more sign-ins wait their "
        "turn (each hash holds its memory cost while it runs).",
    )
    document_max_bytes: int = Field(
        5 * 1024 * 1024,
        ge=64 * 1024,
        le=50 * 1024 * 1024,
        description="Largest identity document a representative may upload (bytes; "
        "JPEG, PNG or PDF). Larger uploads are refused with 413 and this limit named.",
    )
    membership_register_dir: Path | None = Field(
        None,
        description="Folder holding the membership register's `bodies.csv` and `members.csv` "
        "(see `adapters/registers`). Empty: the sample register shipped with the service.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level of the structured logs."
    )

    @field_validator("issuer")
    @classmethod
    def _issuer_is_a_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("IDP_ISSUER must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError("IDP_ISSUER must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("display_timezone")
    @classmethod
    def _display_timezone_exists(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                "IDP_DISPLAY_TIMEZONE must be an IANA time zone name such as America/Toronto or UTC"
            ) from None
        return value

    @field_validator("membership_register_dir", mode="before")
    @classmethod
    def _empty_register_dir_is_the_sample(cls, value: object) -> object:
        return None if value in ("", None) else value

    @property
    def display_zone(self) -> ZoneInfo:
        return ZoneInfo(self.display_timezone)

    @property
    def is_loopback_issuer(self) -> bool:
        host = urlsplit(self.issuer).hostname or ""
        return host in ("127.0.0.1", "localhost", "::1")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'idp.sqlite3').resolve()}"

    @property
    def is_embedded_database(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def allows_dev_mailbox(self) -> bool:
        """The development mailbox exists only on the embedded defaults with a loopback
        issuer (DESIGN.md section 8): it hands out every code mailed."""
        return self.is_embedded_database and not self.redis_url and self.is_loopback_issuer

    def validate_for_startup(self) -> None:
        """Refuse combinations that are unsafe outside a laptop (DESIGN section 8)."""
        https = urlsplit(self.issuer).scheme == "https"
        if not https and not self.is_loopback_issuer:
            raise SettingsError(
                "IDP_ISSUER must use https unless it is a loopback address "
                "(127.0.0.1, localhost, ::1)"
            )
        if https and not self.master_key.get_secret_value():
            raise SettingsError(
                "IDP_MASTER_KEY is required with an https IDP_ISSUER: a generated key on "
                "local disk is for embedded mode only"
            )
        if not self.master_key.get_secret_value() and not self.is_embedded_database:
            raise SettingsError(
                "IDP_MASTER_KEY is required with IDP_DATABASE_URL: a generated key on local "
                "disk is for the embedded SQLite mode only (`idp keys master` prints one)"
            )
        if self.master_key.get_secret_value() in {"changeme", "change-me", "secret"}:
            raise SettingsError(
                "IDP_MASTER_KEY is a placeholder; generate one with `idp keys master`"
            )
        if not self.smtp_url and not self.allows_dev_mailbox:
            raise SettingsError(
                "IDP_SMTP_URL is required: the development mailbox (/dev/mailbox) shows every "
                "mailed code to anyone, so it exists only on the embedded defaults (SQLite, "
                "in-process store) with a loopback IDP_ISSUER"
            )
