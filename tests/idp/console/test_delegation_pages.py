"""The applicant's console: applications across portals, appointing, revoking, activity;
the representative's side: accepting, asking for access."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from consent import effective_status, get_delegation
from idp.cli.main import app as cli
from tests.factories.idp import make_account, transaction
from tests.idp.console.delegations import (
    APPOINT,
    active_delegation,
    applicant_with_application,
)
from tests.idp.flows import (
    assert_group_error,
    csrf_of,
    enable_totp,
    sign_in,
    step_up,
    switch_language,
)


def test_my_applications_shows_which_portal_has_my_messages(components, portal, browser, clock):
    applicant_with_application(components, portal, browser, clock)
    page = browser.get("/account/applications")
    assert "IRCC Portal" in page.text
    assert "E123456" in page.text
    assert "<strong>2</strong>" in page.text
    assert 'href="https://portal.example/E123456"' in page.text


def test_appointing_needs_a_recent_second_factor(components, portal, browser, clock):
    applicant_with_application(components, portal, browser, clock)
    clock.advance(16 * 60)  # the code typed at set-up is no longer recent
    page = browser.get("/account/representatives/new")
    assert page.headers["location"] == "/account/step-up?return=%2Faccount%2Frepresentatives%2Fnew"
    token = csrf_of(browser.get("/account/security"))
    form = browser.post("/account/representatives/new", data={"csrf_token": token})
    assert form.headers["location"].startswith("/account/step-up")
    assert "granted" not in form.headers["location"]


def test_applicant_appoints_the_representative_accepts_and_activity_shows_it(
    components, app, portal, browser, clock
):
    from fastapi.testclient import TestClient

    _applicant, application, secret_totp = applicant_with_application(
        components, portal, browser, clock
    )
    rep = make_account(components, name="Rep Lee")
    step_up(browser, clock, secret_totp, APPOINT)
    page = browser.get("/account/representatives/new")
    until = (clock.now() + timedelta(days=90)).date().isoformat()
    granted = browser.post(
        "/account/representatives/new",
        data={
            "email": rep.email,
            "kind": "representative_unpaid",
            "applications": application["id"],
            "actions": ["application.read", "correspondence.read"],
            "valid_until": until,
            "csrf_token": csrf_of(page),
        },
    )
    assert granted.headers["location"] == "/account/representatives?notice=granted"
    listing = browser.get("/account/representatives")
    assert "Rep Lee" in listing.text
    assert "waiting for them to accept" in listing.text
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        sign_in(rep_browser, "/login", rep.email)
        mine = rep_browser.get("/account/delegations")
        assert "Amara Okafor" in mine.text
        (delegation_id,) = re.findall(r"/account/delegations/([0-9a-f]{32})/accept", mine.text)
        accepted = rep_browser.post(
            f"/account/delegations/{delegation_id}/accept", data={"csrf_token": csrf_of(mine)}
        )
        assert accepted.headers["location"] == "/account/delegations?notice=accepted"
    activity = browser.get("/account/activity")
    assert "Access given" in activity.text
    assert "Access accepted" in activity.text
    revoked = browser.post(
        f"/account/representatives/{delegation_id}/revoke", data={"csrf_token": csrf_of(listing)}
    )
    assert revoked.headers["location"] == "/account/representatives?notice=revoked"
    assert "Access removed" in browser.get("/account/activity").text


def _utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "last_in_force", "first_ended"),
    [
        # 19:30 in Toronto on the day, then 00:30 the day after; it ended at 23:59 UTC
        # (18:59 there), and would have lasted into the next day in a zone east of UTC
        ("2026-12-05", _utc(2026, 12, 6, 0, 30), _utc(2026, 12, 6, 5, 30)),
        # clocks go forward that morning: a 23-hour day, ending at midnight EDT (04:00 UTC)
        ("2026-03-08", _utc(2026, 3, 9, 3, 59, 59), _utc(2026, 3, 9, 4, 0)),
        # clocks go back that morning: a 25-hour day, ending at midnight EST (05:00 UTC)
        ("2026-11-01", _utc(2026, 11, 2, 4, 59, 59), _utc(2026, 11, 2, 5, 0)),
    ],
    ids=["december", "dst-starts", "dst-ends"],
)
def test_access_until_a_day_lasts_until_that_days_midnight_in_the_services_zone(
    components, app, portal, browser, clock, day, last_in_force, first_ended
):
    """The day typed in "Until" is a day in Toronto (`IDP_DISPLAY_TIMEZONE`): access
    "until 5 December" ended at 23:59 UTC, five hours early there. The pages show the day
    typed."""
    start = datetime.combine(date.fromisoformat(day), time(15), UTC)  # morning in Toronto
    clock.advance((start - clock.now()).total_seconds())
    _, delegation_id, _ = active_delegation(
        components, app, portal, browser, clock, ["application.read"], until=day
    )
    assert f"Until {day}" in browser.get("/account/representatives").text
    form = browser.get(f"/account/representatives/{delegation_id}/change")
    assert f'name="valid_until" type="date" value="{day}"' in form.text
    for at, status in ((last_in_force, "active"), (first_ended, "expired")):
        clock.advance((at - clock.now()).total_seconds())
        with transaction(components) as db:
            delegation = get_delegation(db, delegation_id)
            assert effective_status(delegation, clock.now()).value == status, at


@pytest.mark.parametrize(
    ("lang", "email_text", "error_prefix"),
    [
        (
            "en",
            "Enter their email address, like name@example.ca (254 characters at most).",
            "Error:",
        ),
        ("fr", "Entrez son adresse courriel, comme nom@exemple.ca (254 caractères au plus).", None),
    ],
    ids=["en", "fr"],
)
def test_an_empty_appointment_names_every_field_in_order_and_links_each_group(
    components, portal, browser, clock, lang, email_text, error_prefix
):
    _, _, secret_totp = applicant_with_application(components, portal, browser, clock)
    step_up(browser, clock, secret_totp, APPOINT)
    page = browser.get(f"/account/representatives/new?lang={lang}")
    refused = browser.post(
        "/account/representatives/new", data={"email": "", "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 400
    assert "No Passerelle account" not in refused.text
    assert "Aucun compte" not in refused.text
    assert email_text in refused.text.split('id="email-error"')[1]
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert email_text in summary
    # the order of the fields; a group of boxes links to its first box
    assert re.findall(r'href="#([\w-]+)"', summary) == [
        "email",
        "kind-1",
        "app-1",
        "action-1",
        "valid_until",
    ]
    for group in ("applications", "actions"):
        assert assert_group_error(refused.text, group, error_prefix)


def test_paid_representation_to_an_unapproved_person_is_refused_beside_the_field(
    components, portal, browser, clock
):
    _, application, secret_totp = applicant_with_application(components, portal, browser, clock)
    rep = make_account(components)
    step_up(browser, clock, secret_totp, APPOINT)
    page = browser.get("/account/representatives/new")
    refused = browser.post(
        "/account/representatives/new",
        data={
            "email": rep.email,
            "kind": "representative_paid",
            "applications": application["id"],
            "actions": ["application.read"],
            "valid_until": (clock.now() + timedelta(days=9)).date().isoformat(),
            "csrf_token": csrf_of(page),
        },
    )
    assert refused.status_code == 400
    assert "approved representative" in refused.text
    assert f'value="{rep.email}"' in refused.text
    french = switch_language(browser, refused)  # the same form, what was typed kept
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert f'value="{rep.email}"' in french.text
    assert f'value="{application["id"]}" checked' in french.text
    assert 'class="error-summary"' in french.text


def test_representative_asks_for_access_and_the_applicant_approves(
    components, app, portal, browser, clock
):
    from fastapi.testclient import TestClient

    applicant, _, secret_totp = applicant_with_application(components, portal, browser, clock)
    rep = make_account(components, name="Rep Kim")
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        sign_in(rep_browser, "/login", rep.email)
        page = rep_browser.get("/account/delegations")
        wrong = rep_browser.post(
            "/account/delegations/request",
            data={
                "application_number": "E999999",
                "email": applicant.email,
                "csrf_token": csrf_of(page),
            },
        )
        assert wrong.headers["location"].endswith("notice=requested")  # the same answer
        asked = rep_browser.post(
            "/account/delegations/request",
            data={
                "application_number": "E123456",
                "email": applicant.email,
                "csrf_token": csrf_of(page),
            },
        )
        assert asked.headers["location"].endswith("notice=requested")
    listing = browser.get("/account/representatives")
    assert "asks for your approval" in listing.text
    (delegation_id,) = re.findall(r"/account/representatives/([0-9a-f]{32})/approve", listing.text)
    clock.advance(16 * 60)  # approving needs a second factor proven in the last 15 minutes
    stale = browser.post(
        f"/account/representatives/{delegation_id}/approve", data={"csrf_token": csrf_of(listing)}
    )
    assert stale.headers["location"] == "/account/step-up?return=%2Faccount%2Frepresentatives"
    step_up(browser, clock, secret_totp, "/account/representatives")
    approved = browser.post(
        f"/account/representatives/{delegation_id}/approve", data={"csrf_token": csrf_of(listing)}
    )
    assert approved.headers["location"] == "/account/representatives?notice=approved"


def test_asking_for_access_answers_alike_when_the_mail_server_refuses(
    settings, components, portal, browser, clock, caplog
):
    """A match mails the applicant; its cost or a refusing mail server must not tell a
    stranger that this email and this application number go together."""
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from adapters import SmtpMailer
    from idp.app import create_app
    from tests.servers import free_port

    applicant, _, _ = applicant_with_application(components, portal, browser, clock)
    rep = make_account(components, name="Rep Kim")
    refusing = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "passerelle@example.ca")
    app = create_app(settings, components=replace(components, mailer=refusing))
    answers = []
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        sign_in(rep_browser, "/login", rep.email)
        for number in ("E999999", "E123456"):
            page = rep_browser.get("/account/delegations")
            data = {"application_number": number, "email": applicant.email}
            asked = rep_browser.post(
                "/account/delegations/request", data=data | {"csrf_token": csrf_of(page)}
            )
            answers.append((asked.status_code, asked.headers.get("location")))
    assert answers[0] == answers[1] == (303, "/account/delegations?notice=requested")
    assert "not delivered" in caplog.text  # the operator learns it, not the stranger
    assert "asks for your approval" in browser.get("/account/representatives").text


ASK_TEXTS = {
    "en": (
        "Enter the application number (64 characters at most).",
        "Enter the applicant's email address, like name@example.ca (254 characters at most).",
    ),
    "fr": (
        "Entrez le numéro de demande (64 caractères au plus).",
        "Entrez l’adresse courriel du demandeur, comme nom@exemple.ca (254 caractères au plus).",
    ),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    ("number", "email"),
    [("", ""), ("E" * 65, "not-an-email")],
    ids=["empty", "too-long-and-malformed"],
)
def test_asking_for_access_names_every_field_at_fault_and_its_limit(
    components, browser, lang, number, email
):
    rep = make_account(components, name="Rep Kim")
    sign_in(browser, "/login", rep.email)
    page = browser.get(f"/account/delegations?lang={lang}")
    refused = browser.post(
        "/account/delegations/request",
        data={"application_number": number, "email": email, "csrf_token": csrf_of(page)},
    )
    assert refused.status_code == 400  # not "Request sent"
    number_text, email_text = ASK_TEXTS[lang]
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert re.findall(r'href="#(\w+)"', summary) == ["application_number", "email"]
    assert number_text in refused.text.split('id="application_number-error"')[1]
    assert email_text in refused.text.split('id="email-error"')[1]
    assert f'value="{number}"' in refused.text
    assert f'value="{email}"' in refused.text
    assert 'role="status"' not in refused.text


def test_audit_verify_detects_a_quiet_edit(components, cli_env, portal, browser, clock):
    applicant_with_application(components, portal, browser, clock)
    from consent import record_event

    with transaction(components) as db:
        for i in range(3):
            record_event(
                db,
                event="delegation.granted",
                actor="a",
                principal="p",
                now=clock.now(),
                details={"i": i},
            )
    runner = cli_env
    ok = runner.invoke(cli, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["ok"] is True
    from sqlalchemy import update

    from consent import AuditEntry

    with transaction(components) as db:
        db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="someone else"))
    broken = runner.invoke(cli, ["audit", "verify", "--json"])
    assert broken.exit_code == 1
    assert json.loads(broken.output)["broken_at"] == 2


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_appointment_app_setup_and_enrolment_pages_lead_back_to_the_account(
    components, portal, browser, clock, lang
):
    """Each had no link but the logo: a trail back, as on the household and legacy pages."""
    _, _, secret_totp = applicant_with_application(components, portal, browser, clock)
    step_up(browser, clock, secret_totp, APPOINT)
    trails = {
        "/account/representatives/new": ["/account", "/account/representatives"],
        "/account/security/totp": ["/account", "/account/security"],
        "/enrolment": ["/account"],
    }
    for path, links in trails.items():
        main = browser.get(f"{path}?lang={lang}").text.split("<main", 1)[1]
        trail = main.split("<h1>", 1)[0]
        assert re.findall(r'<a href="([^"]+)">', trail) == links, path


@pytest.mark.parametrize(
    ("lang", "text"),
    [("en", "You have no applications yet."), ("fr", "Vous n’avez encore aucune demande.")],
)
def test_someone_without_applications_is_told_so_not_given_a_form_that_cannot_succeed(
    components, browser, clock, lang, text
):
    """The group "For which applications?" had no box to tick, and sending said to tick one."""
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret_totp, _ = enable_totp(browser, clock.now().timestamp())
    step_up(browser, clock, secret_totp, APPOINT)
    page = browser.get(f"/account/representatives/new?lang={lang}")
    assert page.status_code == 200
    assert text in page.text
    assert 'action="/account/representatives/new"' not in page.text
    assert '<a href="/account/applications">' in page.text
