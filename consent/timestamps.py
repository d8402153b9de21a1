"""Timestamps read back from the database as timezone-aware UTC (SQLite drops the zone)."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
