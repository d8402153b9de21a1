"""The whole account journey in headless Chromium, in English and French, every page
checked by axe: register, confirm, authenticator app, recovery codes, sessions, sign in
with a second factor, passkeys (Chromium's virtual authenticator), recovery, invitations."""

from __future__ import annotations

import re
import secrets
import time

import pytest
from playwright.sync_api import expect

from idp.authn.totp import current_code
from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser
PASSWORD = "snowshoes on the rideau canal"
WORDS = {
    "en": {
        "name": "Full name",
        "email": "Email address",
        "password": "Password",
        "continue": "Continue",
        "create": "Create my account",
        "code": "Confirmation code",
        "totp_code": "Code from your authenticator app",
        "turn_on": "Turn on",
        "saved": "I saved my codes",
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "add_passkey": "Add a passkey",
        "use_passkey": "Sign in with a passkey",
        "send_code": "Send me a code",
    },
    "fr": {
        "name": "Nom complet",
        "email": "Adresse courriel",
        "password": "Mot de passe",
        "continue": "Continuer",
        "create": "Créer mon compte",
        "code": "Code de confirmation",
        "totp_code": "Code de votre application d’authentification",
        "turn_on": "Activer",
        "saved": "J’ai conservé mes codes",
        "sign_in": "Se connecter",
        "sign_out": "Se déconnecter",
        "add_passkey": "Ajouter une clé d’accès",
        "use_passkey": "Se connecter avec une clé d’accès",
        "send_code": "Envoyez-moi un code",
    },
}


def _code(idp_server, email: str) -> str:
    for _ in range(50):
        texts = idp_server.mail_texts(email)
        if texts:
            return re.findall(r"^(\d{8})\s*$", texts[0], flags=re.M)[0]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {email}")


def _virtual_authenticator(page, cdp=None):
    """A platform authenticator with user verification (a phone or laptop with a PIN)."""
    cdp = cdp or page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, added["authenticatorId"]


def _switch_language(page, lang):
    page.locator("header nav").get_by_role("button").click()
    expect(page.locator("html")).to_have_attribute("lang", lang)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_account_lifecycle_journey(page, idp_server, lang):
    w = WORDS[lang]
    base = idp_server.url
    email = f"journey-{lang}-{secrets.token_hex(3)}@example.ca"
    page.goto(f"{base}/register?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    # A common password is refused beside the field, what was typed is kept.
    page.get_by_label(w["name"]).fill("Aïcha Diallo")
    page.get_by_label(w["email"]).fill(email)
    page.get_by_label(w["password"]).fill("password1234")
    page.get_by_role("button", name=w["continue"]).click()
    assert page.locator("#password").get_attribute("aria-invalid") == "true"
    assert page.get_by_label(w["email"]).input_value() == email
    assert_accessible(page)
    page.get_by_label(w["password"]).fill(PASSWORD)
    page.get_by_role("button", name=w["continue"]).click()
    assert_accessible(page)  # the code page
    # Its language switch (a form: the page answers one) keeps the step, there and back.
    other = "fr" if lang == "en" else "en"
    _switch_language(page, other)
    assert page.locator('input[name="email"]').input_value() == email
    assert_accessible(page)
    _switch_language(page, lang)
    page.get_by_label(w["code"]).fill(_code(idp_server, email))
    page.get_by_role("button", name=w["create"]).click()
    page.wait_for_url(f"{base}/account")
    assert_accessible(page)

    # Authenticator app and recovery codes.
    page.goto(f"{base}/account/security")
    assert_accessible(page)
    page.locator('form[action="/account/security/password"] button[type=submit]').click()
    expect(page.locator(".error-summary li")).to_have_count(2)  # both passwords named
    assert_accessible(page)
    page.goto(f"{base}/account/security/totp")
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label(w["totp_code"]).fill(current_code(secret))
    page.get_by_role("button", name=w["turn_on"]).click()
    # The form posts to its own URL: wait for the answer, not for a new address.
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_accessible(page)
    codes = page.locator("#recovery-codes li").all_inner_texts()
    _switch_language(page, other)  # shown once: the switch must not lose them
    assert page.locator("#recovery-codes li").all_inner_texts() == codes
    _switch_language(page, lang)
    page.get_by_role("link", name=w["saved"]).click()

    # Passkey added with Chromium's virtual authenticator.
    cdp, first_device = _virtual_authenticator(page)
    page.get_by_role("button", name=w["add_passkey"]).click()
    page.wait_for_url(re.compile(r".*notice=passkey_added"))
    assert page.locator(".item-list li").count() == 1
    assert_accessible(page)

    page.goto(f"{base}/account/sessions")
    assert_accessible(page)

    # Sign out; sign in again with password + authenticator code.
    page.goto(f"{base}/account")
    page.get_by_role("button", name=w["sign_out"]).click()
    page.goto(f"{base}/login")
    page.get_by_label(w["email"]).fill(email)
    page.get_by_label(w["password"]).fill(PASSWORD)
    page.get_by_role("button", name=w["sign_in"], exact=True).click()
    page.wait_for_url(f"{base}/login/second-factor")
    assert_accessible(page)
    page.goto(f"{base}/login/second-factor?method=recovery")
    assert_accessible(page)
    page.goto(f"{base}/login/second-factor")
    # The next time step: the enrolment already used this one, and a code never works twice.
    page.get_by_label(w["totp_code"]).fill(current_code(secret, time.time() + 30))
    page.get_by_role("button", name=w["continue"]).click()
    page.wait_for_url(f"{base}/account")

    # Sign out; password, then the passkey as the second factor.
    page.get_by_role("button", name=w["sign_out"]).click()
    page.goto(f"{base}/login")
    page.get_by_label(w["email"]).fill(email)
    page.get_by_label(w["password"]).fill(PASSWORD)
    page.get_by_role("button", name=w["sign_in"], exact=True).click()
    page.wait_for_url(f"{base}/login/second-factor")
    page.get_by_role(
        "button", name="Use a passkey" if lang == "en" else "Utiliser une clé d’accès"
    ).click()
    page.wait_for_url(f"{base}/account")

    # Sign out; sign in with the passkey alone.
    page.get_by_role("button", name=w["sign_out"]).click()
    page.goto(f"{base}/login")
    page.get_by_role("button", name=w["use_passkey"]).click()
    page.wait_for_url(f"{base}/account")

    # A second passkey from another device; rename it, remove it.
    page.goto(f"{base}/account/security")
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first_device})
    _virtual_authenticator(page, cdp)
    page.get_by_role("button", name=w["add_passkey"]).click()
    page.wait_for_url(re.compile(r".*notice=passkey_added"))
    assert page.locator(".item-list li").count() == 2
    page.locator("#passkey-2").fill("Laptop")
    page.locator("form.inline-form").nth(1).get_by_role("button").click()
    page.wait_for_url(re.compile(r".*notice=passkey_renamed"))
    assert page.locator("#passkey-2").input_value() == "Laptop"
    remove = "Remove Laptop" if lang == "en" else "Retirer Laptop"
    page.get_by_role("button", name=remove).click()
    page.wait_for_url(re.compile(r".*notice=passkey_removed"))
    assert page.locator(".item-list li").count() == 1

    # Recovery page.
    page.goto(f"{base}/recover")
    assert_accessible(page)
    page.get_by_role("button", name=w["send_code"]).click()  # empty: refused beside the field
    expect(page.locator("#email-error")).to_be_visible()
    assert_accessible(page)
    page.goto(f"{base}/recover/identity")
    page.locator('form[action="/recover/identity"] button[type=submit]').click()
    expect(page.locator(".error-summary li")).to_have_count(4)  # code, name, phone, what
    assert_accessible(page)
    page.goto(f"{base}/recover")
    page.get_by_label(w["email"]).fill(email)
    page.get_by_role("button", name=w["send_code"]).click()
    assert_accessible(page)


OFFICER_WORDS = {
    "en": {
        "send": "Send the invitation",
        "create": "Create my account",
        "set_up": "Set up a second factor",
        "language": "Français",
    },
    "fr": {
        "send": "Envoyer l’invitation",
        "create": "Créer mon compte",
        "set_up": "Configurer un deuxième facteur",
        "language": "Français",
    },
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_officer_invitation_journey(page, idp_server, lang):
    w, o = WORDS[lang], OFFICER_WORDS[lang]
    officer = f"officer-{secrets.token_hex(3)}@example.ca"
    idp_server.cli(
        "users",
        "create",
        "--email",
        officer,
        "--password",
        PASSWORD,
        "--name",
        "Officer Tremblay",
        "--role",
        "officer",
    )
    base = idp_server.url
    page.goto(f"{base}/login?lang={lang}")
    page.get_by_label(w["email"]).fill(officer)
    page.get_by_label(w["password"]).fill(PASSWORD)
    page.get_by_role("button", name=w["sign_in"], exact=True).click()
    page.wait_for_url(f"{base}/account")
    # A password alone never reaches the officer pages: set up a second factor first.
    page.goto(f"{base}/officer/invitations")
    expect(page.get_by_role("link", name=o["set_up"])).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=o["set_up"]).click()
    page.goto(f"{base}/account/security/totp")
    seed = page.locator("#totp-secret").inner_text()
    page.get_by_label(w["totp_code"]).fill(current_code(seed))
    page.get_by_role("button", name=w["turn_on"]).click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.goto(f"{base}/officer/invitations")
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    invitee = f"family-{secrets.token_hex(3)}@example.ca"
    page.get_by_label(w["email"]).fill("not-an-email")
    page.get_by_label(w["name"]).fill("N" * 300)
    if lang == "fr":
        page.get_by_label(o["language"]).check()
    page.get_by_role("button", name=o["send"]).click()
    expect(page.locator(".error-summary li")).to_have_count(2)  # the email and the name
    assert_accessible(page)
    assert page.locator(f"#locale-{lang}").is_checked()  # the language chosen is kept
    page.get_by_label(w["email"]).fill(invitee)
    page.get_by_label(w["name"]).fill("Yaw Mensah")
    if lang == "fr":
        page.get_by_label(o["language"]).check()  # the invitation in the invitee's language
    page.get_by_role("button", name=o["send"]).click()
    expect(page.get_by_role("status")).to_be_visible()
    assert_accessible(page)
    link = re.findall(
        r"http://\S+/invitations/accept\?token=\S+",
        idp_server.mail_texts(invitee)[0],
    )[0]
    page.context.clear_cookies()
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == lang  # the invitation's language
    assert_accessible(page)
    page.get_by_label(w["password"]).fill(PASSWORD)
    page.get_by_role("button", name=o["create"]).click()
    page.wait_for_url(re.compile(r".*/account/security.*"))
    assert page.get_by_role("status").is_visible()  # the welcome, pointing at second factors
    if idp_server.inbox is None:  # the development mailbox exists on the embedded defaults only
        page.goto(f"{base}/dev/mailbox")
        assert_accessible(page)
