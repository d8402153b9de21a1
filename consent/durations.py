"""How long a delegation may run: at most `MAX_DELEGATION_YEARS` calendar years after the
day it is made or changed, counted in the calendar people read and type end dates in (the
service passes its display zone; UTC unless told)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

MAX_DELEGATION_YEARS = 3


def last_delegation_day(now: datetime, zone: tzinfo = UTC) -> date:
    """The last day a delegation made or changed at `now` may run to: the same day
    `MAX_DELEGATION_YEARS` later in `zone`'s calendar (the one people read and type end
    dates in). A 29 February gives 28 February: there is no 29th three years later, and a
    delegation never lasts more than three years."""
    today = now.astimezone(zone).date()
    try:
        return today.replace(year=today.year + MAX_DELEGATION_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year + MAX_DELEGATION_YEARS, day=28)


def latest_delegation_end(now: datetime, zone: tzinfo = UTC) -> datetime:
    """The last instant (UTC, to the microsecond) a delegation made or changed at `now` may
    run to: the end of `last_delegation_day` in `zone`, found from the next day's midnight
    there (a day of 23 or 25 hours ends when it does)."""
    next_day = last_delegation_day(now, zone) + timedelta(days=1)
    midnight = datetime.combine(next_day, time.min, tzinfo=zone)
    return midnight.astimezone(UTC) - timedelta(microseconds=1)
