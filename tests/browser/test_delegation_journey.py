"""The delegation journey in headless Chromium, English and French, axe on every page:
the applicant appoints a representative (after a second-factor step-up), the
representative accepts and acts at a sample portal (token exchange), the applicant sees it
in the activity log and revokes, and the portal loses access at once (introspection,
exchange refused, a Security Event Token pushed to it)."""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from idp.authn.totp import current_code
from tests.browser.accessibility import assert_accessible
from tests.e2e.servers import browser_client
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    follow_to_redirect_uri,
    query_of,
    sign_in,
)
from tests.receiver import receiver

pytestmark = pytest.mark.browser
PASSWORD = "a long walk on the plains of abraham"
ACCESS = "urn:ietf:params:oauth:token-type:access_token"
REDIRECT = "https://portal.example/callback"


def _sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator('form[action="/login"] button[type=submit]').click()


def _submit(page, action):
    """Post a form and wait for the page it leads to (a post may answer at the same URL)."""
    with page.expect_navigation():
        page.locator(f'form[action="{action}"] button[type=submit]').first.click()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_appoint_act_revoke(browser, idp_server, lang):
    base = idp_server.url
    applicant, rep = (
        f"{who}-{lang}-{secrets.token_hex(3)}@example.ca" for who in ("applicant", "rep")
    )
    for email, name in ((applicant, "Amara Okafor"), (rep, "Rep Lee")):
        idp_server.cli(
            "users",
            "create",
            "--email",
            email,
            "--password",
            PASSWORD,
            "--name",
            name,
            "--locale",
            lang,
        )
    with receiver() as (events_url, received):
        portal = idp_server.cli(
            "clients",
            "create",
            "--name",
            f"Sample portal {secrets.token_hex(2)}",
            "--redirect-uri",
            REDIRECT,
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "client_credentials",
            "--grant-type",
            TOKEN_EXCHANGE,
            "--scope",
            "openid applications:write delegations:read",
            "--first-party",
            "--events-uri",
            f"{events_url}/events",
        )
        auth = (portal["client_id"], portal["client_secret"])
        with httpx.Client(base_url=base) as http:
            token = http.post(
                "/token", data={"grant_type": "client_credentials"}, auth=auth
            ).json()["access_token"]
            registered = http.post(
                "/api/applications",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "application_number": "E424242",
                    "program": "Study permit",
                    "status": "received",
                    "unread_count": 1,
                    "deep_link": "https://portal.example/E424242",
                    "applicant": {"login_hint": applicant},
                },
            )
            assert registered.status_code == 202, registered.text  # the applicant confirms

        # The applicant sets up a second factor, then appoints the representative.
        context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
        page = context.new_page()
        page.goto(f"{base}/login?lang={lang}")
        _sign_in(page, base, applicant)
        page.goto(f"{base}/account/applications")
        assert_accessible(page)  # the portal's claim, waiting for the applicant
        mine = "Yes, E424242 is mine" if lang == "en" else "Oui, E424242 est à moi"
        page.get_by_role("button", name=mine).click()
        page.wait_for_url(re.compile(r".*notice=claim_confirmed"))
        expect(page.locator("table")).to_contain_text("E424242")
        assert_accessible(page)
        page.goto(f"{base}/account/security/totp")
        seed = page.locator("#totp-secret").inner_text()
        page.locator("#code").fill(current_code(seed))
        _submit(page, "/account/security/totp")
        # The code just typed proved the factor: appointing needs no second prompt now.
        page.goto(f"{base}/account/representatives/new")
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page)
        _submit(page, "/account/representatives/new")  # empty: every field at fault, named
        expect(page.locator("#applications-error")).to_be_visible()
        assert page.locator("#actions").get_attribute("aria-describedby") == "actions-error"
        assert_accessible(page)
        page.locator(".error-summary a[href='#action-1']").click()
        expect(page.locator("#action-1")).to_be_focused()
        page.locator("#email").fill(rep)
        page.locator('input[name="applications"]').first.check()
        page.locator('input[value="application.read"]').check()
        page.locator('input[value="documents.upload"]').check()
        until = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
        page.locator("#valid_until").fill(until)
        _submit(page, "/account/representatives/new")
        assert "notice=granted" in page.url
        assert_accessible(page)

        # The representative accepts.
        rep_context = browser.new_context()
        rep_page = rep_context.new_page()
        rep_page.goto(f"{base}/login?lang={lang}")
        _sign_in(rep_page, base, rep)
        rep_page.goto(f"{base}/account/delegations")
        assert_accessible(rep_page)
        _submit(rep_page, "/account/delegations/request")  # empty: both fields named
        expect(rep_page.locator("#application_number-error")).to_be_visible()
        expect(rep_page.locator("#email-error")).to_be_visible()
        assert_accessible(rep_page)
        rep_page.locator('form[action$="/accept"] button').click()
        rep_page.wait_for_url("**notice=accepted")

        # At the portal, the representative asks to act for the applicant (RFC 9396 in the
        # browser) and confirms on a page that says for whom, on what, with what.
        arrived: list[str] = []
        rep_page.route(
            "https://portal.example/**",
            lambda route: (
                arrived.append(route.request.url),
                route.fulfill(status=200, body="<!doctype html><title>Portal</title>"),
            ),
        )
        acting_request = authorization_request(
            portal["client_id"],
            scope="openid",
            ui_locales=lang,
            authorization_details=json.dumps(
                [
                    {
                        "type": "passerelle_application",
                        "application": "E424242",
                        "actions": ["application.read"],
                    }
                ]
            ),
        )
        rep_page.goto(f"{base}/authorize?{acting_request.query}")
        assert "Amara Okafor" in rep_page.locator("h1").inner_text()
        assert "E424242" in rep_page.content()
        assert_accessible(rep_page)
        rep_page.locator('button[value="allow"]').click()
        rep_page.wait_for_url("https://portal.example/**")
        browser_code = query_of(arrived[-1])["code"]
        rep_context.close()
        with httpx.Client(base_url=base) as http:
            confirmed = http.post(
                "/token",
                data={
                    "grant_type": "authorization_code",
                    "code": browser_code,
                    "redirect_uri": REDIRECT,
                    "code_verifier": acting_request.verifier,
                },
                auth=auth,
            ).json()
            assert "refresh_token" not in confirmed
            introspected = http.post(
                "/introspect", data={"token": confirmed["access_token"]}, auth=auth
            ).json()
            assert introspected["act"]["sub"] != introspected["sub"]
            assert introspected["authorization_details"][0]["actions"] == ["application.read"]

        # The applicant narrows the access: reading only. It applies at once.
        page.goto(f"{base}/account/representatives")
        page.locator('a[href$="/change"]').click()
        page.wait_for_url("**/change")
        assert page.locator('input[value="documents.upload"]').is_checked()
        assert_accessible(page)
        page.locator('input[value="documents.upload"]').uncheck()
        page.locator('form[action$="/change"] button[type=submit]').click()
        page.wait_for_url("**notice=changed")
        assert_accessible(page)
        page.locator('a[href$="/change"]').click()
        page.wait_for_url("**/change")
        page.locator('input[value="documents.upload"]').check()
        page.locator('form[action$="/change"] button[type=submit]').click()
        page.wait_for_url("**notice=changed_needs_acceptance")
        rep_again = browser.new_context()
        rep_page = rep_again.new_page()
        _sign_in(rep_page, base, rep)
        rep_page.goto(f"{base}/account/delegations")
        rep_page.locator('form[action$="/accept"] button').click()
        rep_page.wait_for_url("**notice=accepted")
        rep_again.close()

        # The sample portal acts for the applicant with the representative's token.
        with browser_client(base) as rep_browser, httpx.Client(base_url=base) as http:
            request = authorization_request(portal["client_id"], scope="openid")
            first = rep_browser.get("/authorize?" + request.query)
            final = follow_to_redirect_uri(
                rep_browser, sign_in(rep_browser, first.headers["location"], rep, PASSWORD)
            )
            code = query_of(final.headers["location"])["code"]
            rep_token = http.post(
                "/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "code_verifier": request.verifier,
                },
                auth=auth,
            ).json()["access_token"]
            details = json.dumps(
                [
                    {
                        "type": "passerelle_application",
                        "application": "E424242",
                        "actions": ["documents.upload"],
                    }
                ]
            )
            exchange = {
                "grant_type": TOKEN_EXCHANGE,
                "subject_token": rep_token,
                "subject_token_type": ACCESS,
                "authorization_details": details,
            }
            delegated = http.post("/token", data=exchange, auth=auth)
            assert delegated.status_code == 200, delegated.text
            acting = delegated.json()["access_token"]
            assert (
                http.post("/introspect", data={"token": acting}, auth=auth).json()["active"] is True
            )

            # The applicant sees it, and revokes.
            page.goto(f"{base}/account/activity")
            assert page.locator("tbody tr").count() >= 3
            expect(page.locator("tbody tr").first).to_contain_text("E424242")
            assert_accessible(page)
            page.goto(f"{base}/account/activity?from=2026-99-01")
            expect(page.locator("#from-error")).to_be_visible()
            assert_accessible(page)  # the wrong date named beside its field
            page.goto(f"{base}/account/activity/print")
            assert page.locator("script").count() == 0
            assert_accessible(page)
            page.goto(f"{base}/account/portals")
            assert_accessible(page)
            page.goto(f"{base}/account/representatives")
            received.bodies.clear()
            page.locator('form[action$="/revoke"] button').click()
            page.wait_for_url("**notice=revoked")
            assert_accessible(page)

            # The portal loses access at once.
            assert http.post("/introspect", data={"token": acting}, auth=auth).json() == {
                "active": False
            }
            assert (
                http.post("/token", data=exchange, auth=auth).json()["error"]
                == "invalid_authorization_details"
            )
        for _ in range(50):
            if any(path == "/events" for path, _, _ in received.bodies):
                break
            time.sleep(0.1)
        assert any(
            content_type == "application/secevent+jwt" for _, content_type, _ in received.bodies
        )
        context.close()
