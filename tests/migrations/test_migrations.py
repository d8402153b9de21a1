"""The Alembic history builds the schema on both engines and matches the models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import create_engine, inspect

from idp.migrations.runner import check_database, downgrade_database, upgrade_database


def _fresh_url(backend, tmp_path):
    if backend.pg is None:
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    name = f"m_{tmp_path.name[-12:].replace('-', '_').lower()}"
    backend.pg.execute(f'CREATE DATABASE "{name}"')
    return backend.pg.url(name)


def test_upgrade_from_empty_builds_every_table_and_matches_the_models(backend, tmp_path):
    engine = create_engine(_fresh_url(backend, tmp_path))
    upgrade_database(engine)
    tables = set(inspect(engine).get_table_names())
    assert {
        "keys_signing_keys",
        "idp_accounts",
        "idp_clients",
        "idp_grants",
        "idp_refresh_tokens",
        "idp_consents",
        "idp_revoked_access_tokens",
    } <= tables
    check_database(engine)  # raises when autogenerate would find a difference
    engine.dispose()


def test_newest_revision_round_trips(backend, tmp_path):
    engine = create_engine(_fresh_url(backend, tmp_path))
    upgrade_database(engine)
    downgrade_database(engine, "-1")
    upgrade_database(engine)
    check_database(engine)
    engine.dispose()


IN_FORCE_INDEXES = {
    "uq_idp_invitations_in_force_by_inviter": ["email", "invited_by"],
    "uq_idp_invitations_in_force_by_operator": ["email"],
}


def test_the_migrated_schema_keeps_one_invitation_in_force_per_inviter_and_email(backend, tmp_path):
    engine = create_engine(_fresh_url(backend, tmp_path))
    upgrade_database(engine)
    indexes = {i["name"]: i for i in inspect(engine).get_indexes("idp_invitations")}
    for name, columns in IN_FORCE_INDEXES.items():
        assert indexes[name]["unique"]
        assert indexes[name]["column_names"] == columns
    engine.dispose()


BEFORE_IN_FORCE = "775b578a7ac8"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
INVITATIONS = sa.table(
    "idp_invitations",
    *(sa.column(name) for name in ("id", "email", "name", "token_digest", "invited_by")),
    *(sa.column(name, sa.DateTime(timezone=True)) for name in ("created_at", "expires_at")),
    sa.column("accepted_at", sa.DateTime(timezone=True)),
    sa.column("account_id"),
)


def _invitation(n, invited_by, *, days_ago, accepted=False):
    created = T0 - timedelta(days=days_ago)
    return {
        "id": f"i{n}", "email": "d@example.ca", "name": "", "token_digest": str(n) * 64,
        "invited_by": invited_by, "created_at": created,
        "expires_at": created + timedelta(days=14),
        "accepted_at": created if accepted else None, "account_id": None,
    }  # fmt: skip


def test_the_migration_supersedes_older_duplicates_and_keeps_the_newest_in_force(backend, tmp_path):
    """Retries added an invitation each before asking again reused the open one, and an
    expired invitation stayed beside the one made after it: the newest of each inviter
    stays in force, the older are superseded, their links closed when the newer was made."""
    engine = create_engine(_fresh_url(backend, tmp_path))
    upgrade_database(engine, BEFORE_IN_FORCE)
    rows = [
        _invitation(1, None, days_ago=30),  # expired, then invited again
        _invitation(2, None, days_ago=2),  # a retry's duplicate, still open
        _invitation(3, None, days_ago=1),  # the newest: stays in force
        _invitation(4, "officer", days_ago=2),  # another inviter's: stays in force
        _invitation(5, None, days_ago=40, accepted=True),  # accepted: left as it was
    ]
    with engine.begin() as connection:
        connection.execute(sa.insert(INVITATIONS), rows)
    upgrade_database(engine)
    with engine.connect() as connection:
        found = connection.execute(
            sa.text("SELECT id, superseded_at, expires_at FROM idp_invitations ORDER BY id")
        ).all()
    engine.dispose()
    when = {row[0]: _utc(row[1]) for row in found}
    expiry = {row[0]: _utc(row[2]) for row in found}
    assert when == {"i1": T0 - timedelta(days=2), "i2": T0 - timedelta(days=1),
                    "i3": None, "i4": None, "i5": None}  # fmt: skip
    assert expiry["i1"] == T0 - timedelta(days=16)  # expired before: unchanged
    assert expiry["i2"] == T0 - timedelta(days=1)  # its link closed when i3 was sent
    assert expiry["i3"] == T0 + timedelta(days=13)


def _utc(value):
    """SQLite hands back text; PostgreSQL an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
