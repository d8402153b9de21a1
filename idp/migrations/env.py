"""Alembic environment: one history for every package's tables.

`target_metadata` lists each package's own `MetaData`; batch mode lets one script run on
SQLite and PostgreSQL. The URL is passed in by `idp.migrations.runner`, not read here.
"""

from __future__ import annotations

from typing import Literal

from alembic import context
from sqlalchemy import create_engine

from idp.migrations.metadata import ALL_METADATA
from idp.schema import UTCDateTime

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _render_item(type_: str, obj: object, _autogen_context: object) -> str | Literal[False]:
    """Render our column types as plain SQLAlchemy ones: migrations never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]  # alembic hands an untyped Connection
    context.configure(
        connection=connection,
        target_metadata=ALL_METADATA,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `idp db upgrade`")
run_migrations()
