"""Family and legacy accounts in headless Chromium, English and French, axe on every page:
an applicant invites a family member, who creates their own account and accepts; a person
proves an account from an older portal and links it with its applications."""

from __future__ import annotations

import re
import secrets
import shutil

import httpx
import pytest

from adapters.portals.loader import PROFILES_FOLDER
from idp.authn.totp import current_code
from idp.legacy.hashes import make_legacy_hash
from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser
PASSWORD = "a long walk on the plains of abraham"
OLD_PASSWORD = "the old mycic password"


def _sign_in(page, base, email):
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator('form[action="/login"] button[type=submit]').click()
    page.wait_for_url(re.compile(r".*/account.*"))


def _submit(page, action):
    with page.expect_navigation():
        page.locator(f'form[action="{action}"] button[type=submit]').first.click()


def _person(server, name, lang, email=None):
    email = email or f"{name.split()[0].lower()}-{lang}-{secrets.token_hex(3)}@example.ca"
    server.cli("users", "create", "--email", email, "--password", PASSWORD, "--name", name,
               "--locale", lang)  # fmt: skip
    return email


def _application_for(server, email, number):
    """A portal files an application by the applicant's email; they confirm it later."""
    portal = server.cli(
        "clients", "create", "--name", f"IRCC Portal {secrets.token_hex(2)}",
        "--redirect-uri", "https://portal.example/callback",
        "--grant-type", "authorization_code", "--grant-type", "client_credentials",
        "--scope", "openid applications:write", "--first-party",
    )  # fmt: skip
    with httpx.Client(base_url=server.url) as http:
        auth = (portal["client_id"], portal["client_secret"])
        token = http.post("/token", data={"grant_type": "client_credentials"}, auth=auth)
        filed = http.post(
            "/api/applications",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            json={"application_number": number, "program": "Study permit", "status": "in_review",
                  "applicant": {"login_hint": email}},
        )  # fmt: skip
        assert filed.status_code == 202, filed.text


@pytest.fixture(scope="module")
def mycic(idp_server, tmp_path_factory):
    """The legacy portal, registered from its profile by `idp portals sync` (once per
    server; a folder holding only its profile, so no other portal is registered)."""
    folder = tmp_path_factory.mktemp("mycic-profile")
    shutil.copy(PROFILES_FOLDER / "mycic.toml", folder / "mycic.toml")
    return idp_server.cli("portals", "sync", "--folder", str(folder))


def _invitation_link(server, email) -> str:
    (link,) = re.findall(r"http\S+/invitations/accept\?token=\S+", server.mail_texts(email)[0])
    return link


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_family_member_is_invited_creates_their_account_and_sees_what_is_shared(
    browser, idp_server, lang
):
    base, number = idp_server.url, f"E{secrets.randbelow(10**6):06d}"
    applicant = _person(idp_server, "Amara Okafor", lang)
    _application_for(idp_server, applicant, number)
    context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
    page = context.new_page()
    _sign_in(page, base, applicant)
    page.goto(f"{base}/account/applications")
    _submit(page, "/account/applications/claims")
    page.goto(f"{base}/account/security/totp")
    page.locator("#code").fill(current_code(page.locator("#totp-secret").inner_text()))
    _submit(page, "/account/security/totp")

    page.goto(f"{base}/account/household/invite")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    _submit(page, "/account/household/invite")  # nothing filled in: every field named
    assert page.locator(".error-summary li").count() >= 3
    assert_accessible(page)
    kofi = f"kofi-{lang}-{secrets.token_hex(3)}@example.ca"
    page.locator("#name").fill("Kofi Mensah")
    page.locator("#email").fill(kofi)
    page.locator('input[name="applications"]').first.check()
    page.locator('input[value="application.read"]').check()
    _submit(page, "/account/household/invite")
    assert "notice=invited" in page.url
    assert_accessible(page)

    invitee = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA").new_page()
    invitee.goto(_invitation_link(idp_server, kofi))
    assert_accessible(invitee)
    invitee.locator("#password").fill(PASSWORD + " too")
    _submit(invitee, "/invitations/accept")
    assert "notice=welcome" in invitee.url
    assert_accessible(invitee)
    invitee.locator('form[action$="/accept"] button').click()
    invitee.wait_for_url("**notice=accepted")
    invitee.goto(f"{base}/account/household")
    assert number in invitee.content()
    assert_accessible(invitee)
    page.goto(f"{base}/account/household")
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_account_from_an_older_portal_is_proven_then_linked(
    browser, idp_server, mycic, lang, tmp_path
):
    base = idp_server.url
    email = _person(idp_server, "Léa Tremblay", lang)
    username, number = f"lea-{secrets.token_hex(3)}", f"M{secrets.randbelow(10**6):06d}"
    export = tmp_path / "mycic.csv"
    export.write_text(
        "username,email,name,password_hash,applications\n"
        f"{username},{email},Léa Tremblay,{make_legacy_hash(OLD_PASSWORD, 'salt', 1000)},{number}\n"
    )
    idp_server.cli("legacy", "import", str(export), "--portal", "mycic")
    page = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA").new_page()
    _sign_in(page, base, email)
    page.goto(f"{base}/account")
    assert username in page.content()  # suggested by the email, not linked
    assert_accessible(page)
    page.goto(f"{base}/account/legacy")
    assert_accessible(page)
    page.locator("#username").fill(username)
    page.locator("#password").fill("not the old password")
    _submit(page, "/account/legacy/password")
    assert_accessible(page)
    page.locator("#code-username").fill(username)
    _submit(page, "/account/legacy/code")
    assert_accessible(page)  # the code page
    page.goto(f"{base}/account/legacy")
    page.locator("#username").fill(username)
    page.locator("#password").fill(OLD_PASSWORD)
    _submit(page, "/account/legacy/password")
    assert number in page.content()
    assert_accessible(page)
    _submit(page, "/account/legacy/confirm")
    assert "notice=linked" in page.url
    assert_accessible(page)
    page.goto(f"{base}/account/applications")
    assert number in page.content()
