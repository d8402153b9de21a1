"""The Alembic history builds the schema on both engines and matches the models."""

from __future__ import annotations

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
