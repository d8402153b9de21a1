"""Times on pages: in the service's zone, with its abbreviation, in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from idp.http.times import format_time

TORONTO = ZoneInfo("America/Toronto")
WINTER = datetime(2026, 11, 25, 14, 3, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 14, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "locale", "shown"),
    [
        (WINTER, "en", "2026-11-25 09:03 EST"),
        (WINTER, "fr", "2026-11-25 09:03 HNE"),
        (SUMMER, "en", "2026-07-01 10:03 EDT"),
        (SUMMER, "fr", "2026-07-01 10:03 HAE"),
    ],
)
def test_a_time_is_shown_in_the_service_zone_named_in_the_pages_language(at, locale, shown):
    assert format_time(at, locale, TORONTO) == shown


def test_a_naive_time_from_sqlite_and_epoch_seconds_are_read_as_utc():
    naive = WINTER.replace(tzinfo=None)
    assert format_time(naive, "en", TORONTO) == "2026-11-25 09:03 EST"
    assert format_time(WINTER.timestamp(), "en", TORONTO) == "2026-11-25 09:03 EST"


def test_a_service_on_utc_says_so_in_both_languages():
    assert format_time(WINTER, "en", UTC) == "2026-11-25 14:03 UTC"
    assert format_time(WINTER, "fr", UTC) == "2026-11-25 14:03 UTC"
