"""The activity log: each entry names the application, the action, the portal and who
acted; a period or one entry exports as a JWS that verifies with the published JWKS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from joserfc import jws
from joserfc.jwk import KeySet

from consent import Action
from tests.factories.idp import (
    connect,
    grant_delegation,
    make_account,
    make_profile_client,
)
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    authorize_code,
    portal_token,
    redeem,
    register_application,
    sign_in,
)

CALLBACK = "https://ircc-portal.example/oidc/callback"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
DAY = 24 * 3600
TORONTO = ZoneInfo("America/Toronto")  # the tests' IDP_DISPLAY_TIMEZONE (the default)


def _appoint(components, applicant, rep, application_id):
    grant_delegation(
        components,
        applicant,
        rep,
        [application_id],
        actions=[Action.APPLICATION_READ, Action.DOCUMENTS_UPLOAD],
        days=90,
        accept=True,
    )


def _act(app, portal, client, secret, rep):
    """The representative signs in at the portal, which exchanges the token to upload."""
    request = authorization_request(client.client_id, scope="openid", redirect_uri=CALLBACK)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        code = authorize_code(rep_browser, request, rep.email)["code"]
    token = redeem(
        portal, code, request.verifier, client.client_id, secret, redirect_uri=CALLBACK
    ).json()["access_token"]
    details = [
        {"type": "passerelle_application", "application": "W200", "actions": ["documents.upload"]}
    ]
    exchanged = portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": token,
            "subject_token_type": ACCESS,
            "authorization_details": json.dumps(details),
        },
        auth=(client.client_id, secret),
    )
    assert exchanged.status_code == 200, exchanged.text


@pytest.fixture
def history(components, app, portal, browser, clock):
    """Day 0: access given and accepted; day 2: the representative uploads at the portal."""
    applicant = make_account(components, name="Lucie Gagnon")
    rep = make_account(components, name="Rep Diallo")
    client, secret = make_profile_client(components, "ircc-portal")
    connect(components, applicant, client)
    api = portal_token(portal, client, secret)
    application = register_application(portal, api, applicant.subject, "W200").json()
    _appoint(components, applicant, rep, application["id"])
    clock.advance(2 * DAY)
    _act(app, portal, client, secret, rep)
    sign_in(browser, "/login", applicant.email)
    return applicant, rep


def test_each_entry_names_the_application_the_action_the_portal_and_who(history, browser):
    _, rep = history
    page = browser.get("/account/activity")
    assert page.status_code == 200
    rows = page.text.split("<tbody>")[1].split("</tr>")
    acted = rows[0]
    assert "Acted on your behalf at a portal" in acted
    assert "Upload documents" in acted
    assert "Study permit W200" in acted
    assert "IRCC Portal" in acted
    assert f"Rep Diallo ({rep.email})" in acted
    given = rows[-2]
    assert "Access given" in given
    assert "See the application and its status" in given
    assert "Study permit W200" in given
    assert "You" in given
    french = browser.get("/account/activity?lang=fr").text
    assert "Portail d’IRCC" in french
    assert "Téléverser des documents" in french


def _verified(browser, response):
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/jose"
    assert response.headers["content-disposition"].startswith("attachment;")
    keys = KeySet.import_key_set(browser.get("/jwks").json())
    compact = jws.deserialize_compact(response.text, keys, algorithms=["ES256"])
    assert compact.headers()["typ"] == "activity+jwt"
    return json.loads(compact.payload)


def test_a_period_exports_as_a_jws_that_verifies_with_the_published_keys(history, browser, clock):
    today = clock.now().astimezone(TORONTO).date()
    period = {"from": today.isoformat(), "to": today.isoformat()}
    claims = _verified(browser, browser.get("/account/activity/export", params=period))
    assert claims["iss"] == "https://testserver"
    assert claims["period"] == period | {"timezone": "America/Toronto"}
    assert [e["event"] for e in claims["entries"]] == ["token.issued"]
    (entry,) = claims["entries"]
    assert entry["applications"] == [{"program": "Study permit", "number": "W200"}]
    assert entry["actions"] == [{"action": "documents.upload", "label": "Upload documents"}]
    assert entry["portal"]["name"] == "IRCC Portal"
    assert len(entry["audit_hash"]) == 64
    everything = _verified(browser, browser.get("/account/activity/export"))
    assert [e["event"] for e in everything["entries"]] == [
        "token.issued",
        "delegation.accepted",
        "delegation.granted",
    ]


def test_one_entry_exports_alone_and_only_its_owner_can(history, app, browser, components):
    claims = _verified(browser, browser.get("/account/activity/export"))
    seq = claims["entries"][-1]["seq"]
    single = _verified(browser, browser.get(f"/account/activity/{seq}/export"))
    assert [e["seq"] for e in single["entries"]] == [seq]
    assert "period" not in single
    assert browser.get("/account/activity/999999/export").status_code == 404
    assert browser.get("/account/activity/abc/export").status_code == 404
    stranger = make_account(components)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, "/login", stranger.email)
        assert other.get(f"/account/activity/{seq}/export").status_code == 404


def test_wrong_dates_are_named_beside_their_fields(history, browser):
    page = browser.get("/account/activity", params={"from": "2026-13-01", "to": "soon"})
    assert page.status_code == 400
    assert 'id="from-error"' in page.text
    assert 'id="to-error"' in page.text
    backwards = browser.get(
        "/account/activity/export", params={"from": "2026-02-01", "to": "2026-01-01"}
    )
    assert backwards.status_code == 400
    assert "The end date must be on or after the start date." in backwards.text
    assert 'value="2026-02-01"' in backwards.text  # what was typed is kept


def test_the_printable_record_holds_the_period_without_any_script(history, browser, clock):
    today = clock.now().date().isoformat()
    page = browser.get("/account/activity/print", params={"from": today, "to": today})
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "Study permit W200" in page.text
    assert "Access given" not in page.text  # two days earlier: outside the period
    assert "Acted on your behalf at a portal" in page.text


def _grant_at(components, clock, at, applicant, application_id):
    clock.advance((at - clock.now()).total_seconds())
    grant_delegation(components, applicant, make_account(components), [application_id])


@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("en", "Period (dates in the America/Toronto time zone, both included)"),
        ("fr", "Période (dates du fuseau horaire America/Toronto, incluses)"),
    ],
)
def test_a_day_of_the_period_is_a_day_in_the_services_zone(
    components, portal, browser, clock, lang, hint
):
    """A day runs from midnight to midnight in Toronto (05:00 or 04:00 UTC): access given
    at 22:00 there is that day's, though UTC already says the next day; access given at
    01:00 there is the next day's. The page says which zone its dates are in."""
    applicant = make_account(components, name="Lucie Gagnon")
    client, secret = make_profile_client(components, "ircc-portal")
    connect(components, applicant, client)
    api = portal_token(portal, client, secret)
    application = register_application(portal, api, applicant.subject, "W200").json()
    day = clock.now().date() + timedelta(days=2)
    next_utc_day = datetime.combine(day + timedelta(days=1), time(), UTC)
    for hour in (3, 6):  # 22:00 (23:00 in summer) on `day`, then 01:00 (02:00) the day after
        _grant_at(
            components, clock, next_utc_day + timedelta(hours=hour), applicant, application["id"]
        )
    sign_in(browser, "/login", applicant.email)
    period = {"from": day.isoformat(), "to": day.isoformat()}
    page = browser.get("/account/activity", params=period | {"lang": lang})
    assert page.status_code == 200
    assert hint in " ".join(page.text.split())
    rows = page.text.split("<tbody>")[1].split("</tbody>")[0].split("</tr>")[:-1]
    assert len(rows) == 1
    assert f"<td>{day.isoformat()} 2" in rows[0]
    printable = browser.get("/account/activity/print", params=period)
    assert printable.text.count(f"{day.isoformat()} – {day.isoformat()} (America/Toronto)") == 1
