"""Times a person reads on a page: in the service's time zone, named, in their language.

Stored times stay timezone-aware UTC (SQLite gives them back naive: they are UTC). A page
shows one as `2026-11-25 09:03 EST` in English and `2026-11-25 09:03 HNE` in French: the
zone of `IDP_DISPLAY_TIMEZONE` and its abbreviation from Babel's CLDR data for Canadian
English and French, so nobody takes a UTC time for their own.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from babel.dates import format_datetime

# CLDR's Canadian variants name the zones (`EST`, `HNE`); plain `fr` would write `-0500`.
BABEL_LOCALES = {"en": "en_CA", "fr": "fr_CA"}
TIME_FORMAT = "yyyy-MM-dd HH:mm z"


def format_time(at: datetime | float, locale: str, zone: tzinfo) -> str:
    """`at` (a UTC datetime, or seconds since the epoch) as read in `zone`, in `locale`."""
    if not isinstance(at, datetime):
        at = datetime.fromtimestamp(at, tz=UTC)
    elif at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return format_datetime(at, TIME_FORMAT, tzinfo=zone, locale=BABEL_LOCALES.get(locale, locale))
