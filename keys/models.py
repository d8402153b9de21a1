"""The signing-keys table (`keys_signing_keys`) and this package's `MetaData`.

A key moves next → current → retired. `next` is published in the JWKS before it ever
signs; `retired` stays published until `verify_until`, the moment every token it signed
has expired. The private key is stored sealed (`keys.envelope`), never in clear. The
database holds at most one `current` and one `next` key per algorithm (a unique partial
index, on PostgreSQL and SQLite alike), whatever runs concurrently.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

LIVE_STATES = ("current", "next")
_LIVE = text("state IN ('current', 'next')")

signing_keys = Table(
    "keys_signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("alg", String(16), nullable=False),
    Column("use", String(8), nullable=False, default="sig"),
    Column("state", String(16), nullable=False),
    Column("public_jwk", Text, nullable=False),
    Column("private_key_sealed", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("activated_at", DateTime(timezone=True), nullable=True),
    Column("retired_at", DateTime(timezone=True), nullable=True),
    Column("verify_until", DateTime(timezone=True), nullable=True),
    Index("ix_keys_signing_keys_alg_state", "alg", "state"),
    Index(
        "uq_keys_signing_keys_alg_live_state",
        "alg",
        "state",
        unique=True,
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    ),
)
