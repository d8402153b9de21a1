"""The clock every service receives, so tests move time instead of sleeping; and the days
of a time zone (`IDP_DISPLAY_TIMEZONE`) that people read and type, as instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


def local_date(at: datetime, zone: tzinfo) -> date:
    """The day the instant `at` (timezone-aware) falls on in `zone`: at 02:00 UTC it is
    still the day before in Toronto."""
    return at.astimezone(zone).date()


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The last instant (UTC, to the microsecond) of `day` in `zone`: a day someone types
    as "until 5 December" lasts until midnight there. Found from the next day's midnight
    there, so a day of 23 or 25 hours (a DST change) ends when it does."""
    midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return midnight.astimezone(UTC) - timedelta(microseconds=1)
