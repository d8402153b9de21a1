"""Times a person reads on a page: in the service's time zone, named, in their language.

Stored times stay timezone-aware UTC (SQLite gives them back naive: they are UTC). A page
shows one as `2026-11-25 09:03 EST` in English and `2026-11-25 09:03 HNE` in French: the
zone of `IDP_DISPLAY_TIMEZONE` and its abbreviation from Babel's CLDR data for Canadian
English and French, so nobody takes a UTC time for their own. An instant shown as a date
alone (`2026-11-25`) is that zone's date too: at 02:00 UTC it is still the day before in
Toronto. A date that is one by nature (a document's expiry) is never shifted; a day a person types
as the end of something lasts until midnight in that zone (`idp.clock.end_of_day`).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from babel.dates import format_datetime

from idp.clock import local_date

# CLDR's Canadian variants name the zones (`EST`, `HNE`); plain `fr` would write `-0500`.
BABEL_LOCALES = {"en": "en_CA", "fr": "fr_CA"}
TIME_FORMAT = "yyyy-MM-dd HH:mm z"


def _utc(at: datetime | float) -> datetime:
    if not isinstance(at, datetime):
        return datetime.fromtimestamp(at, tz=UTC)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def format_time(at: datetime | float, locale: str, zone: tzinfo) -> str:
    """`at` (a UTC datetime, or seconds since the epoch) as read in `zone`, in `locale`."""
    return format_datetime(
        _utc(at), TIME_FORMAT, tzinfo=zone, locale=BABEL_LOCALES.get(locale, locale)
    )


def format_date(at: datetime | float, zone: tzinfo) -> str:
    """The day `at` (a UTC datetime, or seconds since the epoch) falls on in `zone`, as
    `YYYY-MM-DD` in every language (the form fields' format)."""
    return local_date(_utc(at), zone).isoformat()
