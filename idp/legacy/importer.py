"""Staging exported legacy accounts, a batch at a time, upserted by portal and username.

The caller reads rows (`rows.read_export`), drops repeated usernames (`SeenUsernames`),
and stages each batch in its own unit of work (`stage_batch`), so a crash loses at most
one batch and running the import again finishes it: a row already staged with the same
values is left alone, one with new values is updated, never duplicated (the table is
unique on legacy portal + username). Linked rows keep their link.

On PostgreSQL a batch goes through COPY into a temporary table, then one
`INSERT ... ON CONFLICT DO UPDATE` that says which rows it inserted and which it changed
(`bench/legacy_import.py` measures it); elsewhere, plain statements do the same.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import psycopg
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from adapters import load_portal_profiles
from idp.clients.service import find_profile_client
from idp.errors import InvalidInput
from idp.legacy.models import LegacyAccount
from idp.legacy.rows import LegacyRow, RowProblem

BATCH_ROWS = 5_000
STAGED_FIELDS = ("email", "name", "password_hash", "applications", "portal_client_id")
COPIED_COLUMNS = (
    "id", "legacy_portal", "username", *STAGED_FIELDS, "source_line", "imported_at", "updated_at",
)  # fmt: skip
UPSERT_FROM_BATCH = f"""
WITH upserted AS (
    INSERT INTO idp_legacy_accounts ({", ".join(COPIED_COLUMNS)})
    SELECT {", ".join(COPIED_COLUMNS)} FROM legacy_import_batch
    ON CONFLICT (legacy_portal, username) DO UPDATE SET
        {", ".join(f"{c} = excluded.{c}" for c in STAGED_FIELDS)},
        source_line = excluded.source_line, updated_at = excluded.updated_at
    WHERE (idp_legacy_accounts.email, idp_legacy_accounts.name,
           idp_legacy_accounts.password_hash, idp_legacy_accounts.applications::jsonb,
           idp_legacy_accounts.portal_client_id)
        IS DISTINCT FROM (excluded.email, excluded.name, excluded.password_hash,
                          excluded.applications::jsonb, excluded.portal_client_id)
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
"""  # noqa: S608  # built from the constant column names above, no input


@dataclass(frozen=True, slots=True)
class LegacyPortal:
    """The legacy portal rows come from: its profile slug and its registered client."""

    slug: str
    name: str
    client_id: str


@dataclass(frozen=True, slots=True)
class BatchCounts:
    inserted: int
    updated: int
    unchanged: int


@dataclass
class SeenUsernames:
    """The usernames read so far from one file, as 12-byte digests (1,000,000 of them fit
    in about 100 MB): a username repeated later in the file is a bad row."""

    digests: set[bytes] = field(default_factory=set)

    def check(self, row: LegacyRow | RowProblem) -> LegacyRow | RowProblem:
        if isinstance(row, RowProblem):
            return row
        digest = hashlib.blake2b(row.username.encode(), digest_size=12).digest()
        if digest in self.digests:
            return RowProblem(row.line, (("username", "repeats an earlier row of this file"),))
        self.digests.add(digest)
        return row


def resolve_legacy_portal(db: Session, slug: str) -> LegacyPortal:
    """The portal profile `slug` and the client `idp portals sync` registered for it
    (found by its `profile_slug`, never by name: a portal renamed in its profile is the
    same client)."""
    profile = next((p for p in load_portal_profiles() if p.slug == slug), None)
    if profile is None:
        raise InvalidInput("portal", f"no portal profile is named {slug!r}")
    client = find_profile_client(db, slug)
    if client is None:
        raise InvalidInput(
            "portal", f"the portal {slug!r} is not registered yet: run `idp portals sync` first"
        )
    return LegacyPortal(slug, profile.names.en, client.client_id)


def _values(portal: LegacyPortal, row: LegacyRow, now: datetime) -> dict[str, Any]:
    return {
        "id": os.urandom(16).hex(),  # as random as uuid4, a quarter of its cost
        "legacy_portal": portal.slug,
        "username": row.username,
        "email": row.email,
        "name": row.name,
        "password_hash": row.password_hash,
        "applications": [
            {"number": a.number, "program": a.program, "status": a.status} for a in row.applications
        ],
        "portal_client_id": portal.client_id,
        "source_line": row.line,
        "imported_at": now,
        "updated_at": now,
    }


def _copied(portal: LegacyPortal, row: LegacyRow, stamp: str) -> tuple[object, ...]:
    """One row for COPY, in `COPIED_COLUMNS` order (the hot loop: no dict per row)."""
    applications = [
        {"number": a.number, "program": a.program, "status": a.status} for a in row.applications
    ]
    return (
        os.urandom(16).hex(), portal.slug, row.username, row.email, row.name, row.password_hash,
        json.dumps(applications), portal.client_id, row.line, stamp, stamp,
    )  # fmt: skip


def _stage_with_statements(
    db: Session, portal: LegacyPortal, rows: list[LegacyRow], now: datetime
) -> BatchCounts:
    columns = [getattr(LegacyAccount, c) for c in ("id", "username", *STAGED_FIELDS)]
    found = {
        r.username: r
        for r in db.execute(
            select(*columns).where(
                LegacyAccount.legacy_portal == portal.slug,
                LegacyAccount.username.in_([row.username for row in rows]),
            )
        )
    }
    new, changed = [], []
    for row in rows:
        values, existing = _values(portal, row, now), found.get(row.username)
        if existing is None:
            new.append(values)
        elif any(getattr(existing, c) != values[c] for c in STAGED_FIELDS):
            kept = {c: values[c] for c in (*STAGED_FIELDS, "source_line", "updated_at")}
            changed.append({"id": existing.id, **kept})
    if new:
        db.execute(insert(LegacyAccount), new)
    if changed:
        db.execute(update(LegacyAccount), changed)
    return BatchCounts(len(new), len(changed), len(rows) - len(new) - len(changed))


def _stage_with_copy(
    db: Session, portal: LegacyPortal, rows: list[LegacyRow], now: datetime
) -> BatchCounts:
    db.execute(
        text(
            "CREATE TEMPORARY TABLE IF NOT EXISTS legacy_import_batch "
            "(LIKE idp_legacy_accounts INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
    )
    raw = cast(psycopg.Connection[Any], db.connection().connection.driver_connection)
    stamp = now.isoformat()  # formatted once, not once per row
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY legacy_import_batch ({', '.join(COPIED_COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(_copied(portal, row, stamp))
    inserted, updated = db.execute(text(UPSERT_FROM_BATCH)).one()
    db.execute(text("TRUNCATE legacy_import_batch"))  # the next batch may share this transaction
    return BatchCounts(inserted, updated, len(rows) - inserted - updated)


def stage_batch(
    db: Session, portal: LegacyPortal, rows: list[LegacyRow], now: datetime
) -> BatchCounts:
    """Insert the new rows and update the changed ones; say how many of each."""
    if not rows:
        return BatchCounts(0, 0, 0)
    if db.get_bind().dialect.name == "postgresql":
        return _stage_with_copy(db, portal, rows, now)
    return _stage_with_statements(db, portal, rows, now)
