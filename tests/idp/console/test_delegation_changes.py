"""Changing a delegation after it is accepted (narrowing applies at once, widening asks
again, refusals keep what was typed), and an officer suspending or reinstating a
representative from the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from consent import get_delegation
from idp.cli.main import app as cli
from tests.factories.idp import make_account, transaction
from tests.idp.console.delegations import (
    active_delegation,
)
from tests.idp.flows import (
    csrf_of,
)


def test_applicant_narrows_access_and_it_applies_at_once(components, app, portal, browser, clock):
    application, delegation_id, _rep = active_delegation(
        components, app, portal, browser, clock, ["application.read", "documents.upload"]
    )
    listing = browser.get("/account/representatives")
    assert f'href="/account/representatives/{delegation_id}/change"' in listing.text
    form = browser.get(f"/account/representatives/{delegation_id}/change")
    assert form.status_code == 200
    assert 'value="documents.upload" checked' in form.text  # filled with what is granted
    assert 'name="email"' not in form.text  # the person does not change
    changed = browser.post(
        f"/account/representatives/{delegation_id}/change",
        data={
            "applications": application["id"],
            "actions": ["application.read"],
            "valid_until": (clock.now() + timedelta(days=30)).date().isoformat(),
            "csrf_token": csrf_of(form),
        },
    )
    assert changed.headers["location"] == "/account/representatives?notice=changed"
    listing = browser.get("/account/representatives")
    assert "Upload documents" not in listing.text
    assert "active" in listing.text
    assert "Access changed" in browser.get("/account/activity").text


def test_widening_access_asks_the_representative_again(components, app, portal, browser, clock):
    application, delegation_id, _rep = active_delegation(
        components, app, portal, browser, clock, ["application.read"]
    )
    form = browser.get(f"/account/representatives/{delegation_id}/change")
    changed = browser.post(
        f"/account/representatives/{delegation_id}/change",
        data={
            "applications": application["id"],
            "actions": ["application.read", "payment.make"],
            "valid_until": (clock.now() + timedelta(days=30)).date().isoformat(),
            "csrf_token": csrf_of(form),
        },
    )
    assert changed.headers["location"] == "/account/representatives?notice=changed_needs_acceptance"
    assert "waiting for them to accept" in browser.get("/account/representatives").text


def test_a_delegation_ending_at_2359_utc_keeps_its_end_when_its_day_is_left_as_it_is(
    components, app, portal, browser, clock
):
    """A delegation made when a typed day ended at 23:59 UTC shows that day; narrowing its
    actions and leaving the day as shown neither moves its end nor counts as widening
    (which would ask the representative to accept again)."""
    application, delegation_id, _rep = active_delegation(
        components, app, portal, browser, clock, ["application.read", "documents.upload"]
    )
    day = clock.now().date() + timedelta(days=20)
    stored = datetime.combine(day, time(23, 59), UTC)
    with transaction(components) as db:
        get_delegation(db, delegation_id).valid_until = stored
    form = browser.get(f"/account/representatives/{delegation_id}/change")
    assert f'name="valid_until" type="date" value="{day.isoformat()}"' in form.text
    changed = browser.post(
        f"/account/representatives/{delegation_id}/change",
        data={
            "applications": application["id"],
            "actions": ["application.read"],
            "valid_until": day.isoformat(),
            "csrf_token": csrf_of(form),
        },
    )
    assert changed.headers["location"] == "/account/representatives?notice=changed"
    with transaction(components) as db:
        delegation = get_delegation(db, delegation_id)
        assert delegation.status == "active"
        until = delegation.valid_until
        assert (until if until.tzinfo else until.replace(tzinfo=UTC)) == stored


def test_a_bad_change_is_explained_and_nothing_is_lost(components, app, portal, browser, clock):
    application, delegation_id, _rep = active_delegation(
        components, app, portal, browser, clock, ["application.read"]
    )
    form = browser.get(f"/account/representatives/{delegation_id}/change?lang=fr")
    refused = browser.post(
        f"/account/representatives/{delegation_id}/change",
        data={
            "applications": application["id"],
            "actions": ["application.read"],
            "valid_until": "2020-01-01",
            "csrf_token": csrf_of(form),
        },
    )
    assert refused.status_code == 400
    assert 'value="2020-01-01"' in refused.text  # what was typed stays
    assert "date de fin" in refused.text
    listing = browser.get("/account/representatives?lang=en")
    assert "Status: active" in listing.text


def test_changing_needs_a_recent_second_factor_and_ones_own_delegation(
    components, app, portal, browser, clock
):
    _application, delegation_id, _rep = active_delegation(
        components, app, portal, browser, clock, ["application.read"]
    )
    clock.advance(16 * 60)  # the step-up is older than 15 minutes
    form = browser.get(f"/account/representatives/{delegation_id}/change")
    assert form.headers["location"].startswith("/account/step-up?return=")
    token = csrf_of(browser.get("/account/security"))
    late = browser.post(
        f"/account/representatives/{delegation_id}/change", data={"csrf_token": token}
    )
    assert late.headers["location"].startswith("/account/step-up")


def _officer(components, **fields):
    officer = make_account(components, **fields)
    with transaction(components) as db:
        from idp.accounts.models import Account

        db.get(Account, officer.id).roles = ["officer"]
    return officer


def test_an_officer_suspends_a_representative_from_the_cli(
    components, app, cli_env, portal, browser, clock
):
    from consent import Action, decide

    application, delegation_id, rep = active_delegation(
        components, app, portal, browser, clock, ["application.read"]
    )
    officer = _officer(components, name="Officer Tremblay")
    runner = cli_env
    by = ["--officer", officer.email, "--json"]
    unknown = runner.invoke(cli, ["representatives", "suspend", "--email", "no@example.ca", *by])
    assert unknown.exit_code != 0
    assert "email" in unknown.output
    not_an_officer = runner.invoke(
        cli, ["representatives", "suspend", "--email", rep.email, "--officer", rep.email, "--json"]
    )
    assert json.loads(not_an_officer.output)["field"] == "officer"
    done = runner.invoke(
        cli, ["representatives", "suspend", "--email", rep.email, "--reason", "complaint", *by]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"suspended_delegations": 1}
    with transaction(components) as db:
        decision = decide(
            db,
            actor=rep.subject,
            action=Action.APPLICATION_READ,
            application_id=application["id"],
            now=clock.now(),
        )
    assert not decision.allowed
    listing = browser.get("/account/representatives")
    assert "suspended" in listing.text
    assert f"/account/representatives/{delegation_id}/change" not in listing.text
    activity = browser.get("/account/activity").text
    assert "Representative suspended" in activity
    assert "Officer Tremblay" in activity  # who suspended, never "?"


def test_an_officer_reinstates_a_representative_from_the_cli(
    components, app, cli_env, portal, browser, clock
):
    from consent import Action, decide

    application, _delegation_id, rep = active_delegation(
        components, app, portal, browser, clock, ["application.read"]
    )
    officer = _officer(components)
    runner = cli_env
    suspend = ["representatives", "suspend", "--email", rep.email, "--reason", "review"]
    assert runner.invoke(cli, [*suspend, "--officer", officer.email, "--json"]).exit_code == 0
    done = runner.invoke(
        cli,
        [
            "representatives",
            "reinstate",
            "--email",
            rep.email,
            "--reason",
            "cleared",
            "--officer",
            officer.email,
            "--json",
        ],
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"reinstated_delegations": 1}
    with transaction(components) as db:
        decision = decide(
            db,
            actor=rep.subject,
            action=Action.APPLICATION_READ,
            application_id=application["id"],
            now=clock.now(),
        )
    assert decision.allowed
    assert "Status: active" in browser.get("/account/representatives?lang=en").text
    # French puts its non-breaking space before the colon, inside the translation.
    assert "État\u00a0: actif" in browser.get("/account/representatives?lang=fr").text
