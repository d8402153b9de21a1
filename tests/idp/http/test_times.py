"""Times on pages: in the service's zone, with its abbreviation, in the page's language;
dates of instants: the day in that zone; a day typed as an end: until midnight there."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations

from idp.clock import end_of_day
from idp.http.pages import create_template_env
from idp.http.times import format_date, format_time

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


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (datetime(2026, 11, 26, 2, 0, tzinfo=UTC), "2026-11-25"),  # 21:00 EST the day before
        (datetime(2026, 11, 26, 5, 0, tzinfo=UTC), "2026-11-26"),  # Toronto's midnight
        (datetime(2026, 7, 2, 3, 59, tzinfo=UTC), "2026-07-01"),  # 23:59 EDT
        (datetime(2026, 7, 2, 4, 0, tzinfo=UTC), "2026-07-02"),
    ],
)
def test_the_date_of_an_instant_is_the_day_in_the_service_zone(at, shown):
    assert format_date(at, TORONTO) == shown
    assert format_date(at.replace(tzinfo=None), TORONTO) == shown  # SQLite's naive UTC


def test_the_display_date_filter_shows_an_instant_on_its_day_in_the_zone_and_names_the_zone():
    env = create_template_env({"en": Translations()}, TORONTO)["en"]
    page = env.from_string(
        "{{ at | display_date }}|{{ none | display_date }}|{{ display_timezone }}"
    )
    at = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert page.render(at=at, none=None) == "2026-11-25||America/Toronto"


@pytest.mark.parametrize(
    ("zone", "day", "last_instant"),
    [
        ("America/Toronto", date(2026, 12, 5), datetime(2026, 12, 6, 4, 59, 59, 999999, UTC)),
        ("America/Toronto", date(2026, 3, 8), datetime(2026, 3, 9, 3, 59, 59, 999999, UTC)),
        ("America/Toronto", date(2026, 11, 1), datetime(2026, 11, 2, 4, 59, 59, 999999, UTC)),
        ("Europe/Paris", date(2026, 12, 5), datetime(2026, 12, 5, 22, 59, 59, 999999, UTC)),
        # Santiago's clocks jump from midnight to 01:00: the day ends at that jump
        ("America/Santiago", date(2026, 9, 5), datetime(2026, 9, 6, 3, 59, 59, 999999, UTC)),
    ],
)
def test_a_typed_day_ends_at_the_last_instant_before_midnight_in_the_zone(zone, day, last_instant):
    end = end_of_day(day, ZoneInfo(zone))
    assert end == last_instant
    assert format_date(end, ZoneInfo(zone)) == day.isoformat()  # shown as the day typed
    assert format_date(end + timedelta(microseconds=1), ZoneInfo(zone)) != day.isoformat()
