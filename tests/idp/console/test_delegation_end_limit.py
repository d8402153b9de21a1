""" "At most 3 years": an appointment may end on the same day three calendar years later in
the service's zone (`IDP_DISPLAY_TIMEZONE`), not 3 x 365 days on; the next day is refused
beside the field, naming the limit and the last day in the page's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories.idp import make_account
from tests.idp.console.delegations import APPOINT, applicant_with_application
from tests.idp.flows import csrf_of, step_up

REFUSALS = {
    "en": "The end date can be at most 3 years from today: {day} at the latest.",
    "fr": "La date de fin peut être au plus 3 ans après aujourd’hui\u00a0: le {day} au plus tard.",
}


def _appoint(components, browser, application, until: str, lang: str):
    page = browser.get(f"{APPOINT}?lang={lang}")
    return browser.post(
        APPOINT,
        data={
            "email": make_account(components).email,
            "kind": "representative_unpaid",
            "applications": application["id"],
            "actions": ["application.read"],
            "valid_until": until,
            "csrf_token": csrf_of(page),
        },
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    ("today", "last_day", "first_refused"),
    [
        # 10:00 in Toronto on a 29 February: no 29th in 2031, the 28th is the last day
        (datetime(2028, 2, 29, 15, tzinfo=UTC), "2031-02-28", "2031-03-01"),
        # 22:00 on 4 December in Toronto (the 5th in UTC), and 2028 has a 29 February:
        # 1096 days on, which 3 x 365 days refused
        (datetime(2026, 12, 5, 3, tzinfo=UTC), "2029-12-04", "2029-12-05"),
    ],
    ids=["from-a-leap-day", "the-zones-day"],
)
def test_an_appointment_ends_at_most_three_calendar_years_from_today(
    components, portal, browser, clock, lang, today, last_day, first_refused
):
    clock.advance((today - clock.now()).total_seconds())
    _, application, secret_totp = applicant_with_application(components, portal, browser, clock)
    step_up(browser, clock, secret_totp, APPOINT)
    refused = _appoint(components, browser, application, first_refused, lang)
    assert refused.status_code == 400
    message = REFUSALS[lang].format(day=last_day)
    beside_the_field = refused.text.split('id="valid_until-error"')[1].split("</p>")[0]
    assert message in beside_the_field
    assert 'href="#valid_until"' in refused.text.split('class="error-summary"')[1]
    assert f'name="valid_until" type="date" value="{first_refused}"' in refused.text  # kept
    accepted = _appoint(components, browser, application, last_day, lang)
    assert accepted.status_code == 303, accepted.text
    assert accepted.headers["location"] == "/account/representatives?notice=granted"
