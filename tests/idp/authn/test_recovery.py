"""Account recovery and password changes: codes, second factor, sessions ended, mail sent."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from idp.authn.totp import current_code
from tests.factories.idp import DEFAULT_PASSWORD, make_account, transaction
from tests.idp.flows import comparable, csrf_of, enable_totp, sign_in, switch_language

NEW_PASSWORD = "a brand new passphrase"


def _ask_code(browser, email):
    page = browser.get("/recover")
    return browser.post("/recover", data={"email": email, "csrf_token": csrf_of(page)})


def _finish(browser, email, code, password=NEW_PASSWORD, second_factor=""):
    page = browser.get("/recover")
    return browser.post(
        "/recover/verify",
        data={
            "email": email,
            "code": code,
            "password": password,
            "second_factor": second_factor,
            "csrf_token": csrf_of(page),
        },
    )


def test_unknown_and_known_emails_get_the_same_page(components, browser, mail):
    account = make_account(components)
    known = _ask_code(browser, account.email)
    unknown = _ask_code(browser, "nobody@example.ca")
    assert comparable(known.text.replace(account.email, "E")) == comparable(
        unknown.text.replace("nobody@example.ca", "E")
    )
    assert mail.texts("nobody@example.ca") == []
    assert len(mail.texts(account.email)) == 1


EMAIL_TEXTS = {
    "en": "Enter a valid email address, like name@example.ca (254 characters at most).",
    "fr": "Entrez une adresse courriel valide, comme nom@exemple.ca (254 caractères au plus).",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    "email",
    ["", "   ", "not-an-email", "a" * 250 + "@example.ca"],
    ids=["empty", "blank", "invalid", "too-long"],
)
def test_recovery_refuses_an_email_that_is_not_an_address_beside_the_field(
    browser, mail, lang, email
):
    page = browser.get(f"/recover?lang={lang}")
    refused = browser.post("/recover", data={"email": email, "csrf_token": csrf_of(page)})
    assert refused.status_code == 400
    assert 'action="/recover"' in refused.text  # the same form again, not the code step
    assert 'name="code"' not in refused.text
    assert EMAIL_TEXTS[lang] in refused.text.split('class="error-summary"')[1]
    assert 'id="email-error"' in refused.text
    assert f'value="{email.strip()}"' in refused.text
    assert mail.texts(email.strip()) == []


def test_recovery_sets_a_new_password_ends_sessions_and_mails_the_holder(
    components, app, browser, mail
):
    account = make_account(components)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other_device:
        sign_in(other_device, "/login", account.email)
        assert other_device.get("/account").status_code == 200
        _ask_code(browser, account.email)
        done = _finish(browser, account.email, mail.last_code(account.email))
        assert done.headers["location"] == "/login?notice=password_changed"
        assert other_device.get("/account").status_code == 303  # signed out everywhere
    assert sign_in(browser, "/login", account.email, DEFAULT_PASSWORD).status_code == 401
    assert sign_in(browser, "/login", account.email, NEW_PASSWORD).status_code == 303
    assert "was changed" in mail.texts(account.email)[-1]


def test_recovery_of_a_protected_account_needs_its_second_factor(components, browser, mail, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, _ = enable_totp(browser, clock.now().timestamp())
    _ask_code(browser, account.email)
    refused = _finish(browser, account.email, mail.last_code(account.email), second_factor="")
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.text
    _ask_code(browser, account.email)
    clock.advance(30)
    accepted = _finish(
        browser,
        account.email,
        mail.last_code(account.email),
        second_factor=current_code(secret, clock.now().timestamp()),
    )
    assert accepted.status_code == 303


def test_recovery_refuses_a_common_new_password_before_spending_the_code(components, browser, mail):
    account = make_account(components)
    _ask_code(browser, account.email)
    code = mail.last_code(account.email)
    refused = _finish(browser, account.email, code, password="password1234")
    assert refused.status_code == 400
    assert "too common" in refused.text
    assert _finish(browser, account.email, code).status_code == 303


def test_password_change_in_the_console_ends_every_other_session(components, app, browser, mail):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other_device:
        sign_in(other_device, "/login", account.email)
        page = browser.get("/account/security")
        changed = browser.post(
            "/account/security/password",
            data={
                "current_password": DEFAULT_PASSWORD,
                "new_password": NEW_PASSWORD,
                "csrf_token": csrf_of(page),
            },
        )
        assert changed.headers["location"] == "/account/security?notice=password_changed"
        assert other_device.get("/account").status_code == 303
    assert browser.get("/account").status_code == 200
    assert "was changed" in mail.texts(account.email)[-1]


def test_password_change_needs_the_current_password(components, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/security")
    refused = browser.post(
        "/account/security/password",
        data={
            "current_password": "wrong wrong wrong",
            "new_password": NEW_PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    assert refused.status_code == 400
    assert "current password is not right" in refused.text


PASSWORD_TEXTS = {
    "en": {
        "required": "Enter your current password.",
        "wrong": "Your current password is not right.",
        "short": "Your password must be at least 12 characters long.",
    },
    "fr": {
        "required": "Entrez votre mot de passe actuel.",
        "wrong": "Votre mot de passe actuel n’est pas valide.",
        "short": "Votre mot de passe doit compter au moins 12 caractères.",
    },
}


def _summary_of(page):
    return page.text.split('class="error-summary"')[1].split("</div>")[0]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    ("current", "new", "current_says"),
    [("", "", "required"), ("not it", "short", "wrong")],
    ids=["empty", "wrong-and-short"],
)
def test_a_password_change_names_both_fields_at_fault(
    components, browser, lang, current, new, current_says
):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get(f"/account/security?lang={lang}")
    refused = browser.post(
        "/account/security/password",
        data={"current_password": current, "new_password": new, "csrf_token": csrf_of(page)},
    )
    assert refused.status_code == 400
    texts = PASSWORD_TEXTS[lang]
    summary = _summary_of(refused)
    assert re.findall(r'href="#(\w+)"', summary) == ["current_password", "new_password"]
    current_error = refused.text.split('id="current_password-error"')[1].split("</p>")[0]
    assert texts[current_says] in current_error
    assert texts["short"] in refused.text.split('id="new_password-error"')[1]
    others = {"required", "wrong"} - {current_says}
    assert not any(texts[other] in refused.text for other in others)


def test_a_right_current_password_with_a_short_new_one_names_only_the_new_one(components, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/security")
    refused = browser.post(
        "/account/security/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "short",
            "csrf_token": csrf_of(page),
        },
    )
    assert refused.status_code == 400
    assert re.findall(r'href="#(\w+)"', _summary_of(refused)) == ["new_password"]
    assert 'value="short"' not in refused.text  # secrets are never sent back


def test_argon2_parameters_raised_later_rehash_at_next_sign_in(components, browser):
    from argon2 import PasswordHasher

    account = make_account(components)
    with transaction(components) as db:
        from idp.accounts.models import Account

        row = db.get(Account, account.id)
        # A hash made with the parameters of an older, weaker configuration.
        row.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(DEFAULT_PASSWORD)
    assert sign_in(browser, "/login", account.email).status_code == 303
    with transaction(components) as db:
        assert db.get(Account, account.id).password_hash.startswith(
            "$argon2id$v=19$m=19456,t=2,p=1$"
        )


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_an_empty_emailed_code_is_asked_for_by_name_and_spends_no_guess(
    components, browser, mail, known
):
    """Not "That code is not right": nothing was typed, so nothing was guessed; the same
    answer whether or not the email has an account."""
    email = make_account(components).email if known else "nobody@example.ca"
    _ask_code(browser, email)
    texts = {
        "en": "Enter the 8-digit code from the email.",
        "fr": "Entrez le code à 8 chiffres reçu par courriel.",
    }
    for _ in range(3):  # more empty answers than the code allows wrong guesses
        for lang, text in texts.items():
            browser.get(f"/recover?lang={lang}")
            empty = _finish(browser, email, " ", password="short")
            assert empty.status_code == 400
            assert text in empty.text.split('id="code-error"')[1].split("</p>")[0]
            assert 'id="password-error"' in empty.text  # every field at fault at once
            assert text in empty.text.split('class="error-summary"')[1]
            assert "not right" not in empty.text
            assert "pas valide" not in empty.text
    if known:
        assert _finish(browser, email, mail.last_code(email)).status_code == 303


def test_an_empty_second_factor_is_asked_for_by_name_and_spends_no_guess(
    components, browser, mail, clock
):
    """Not "That code is not right" counted against the second factor's budget."""
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, _ = enable_totp(browser, clock.now().timestamp())
    _ask_code(browser, account.email)
    code = mail.last_code(account.email)
    texts = {
        "en": "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
        "fr": "Entrez le code à 6 chiffres de votre application d’authentification, ou l’un "
        "de vos codes de récupération.",
    }
    for _ in range(6):  # more empty answers than the second factor's budget of 10
        for lang, text in texts.items():
            browser.get(f"/recover?lang={lang}")
            empty = _finish(browser, account.email, code, second_factor=" ")
            assert empty.status_code == 400
            assert text in empty.text.split('id="second_factor-error"')[1].split("</p>")[0]
            assert text in empty.text.split('class="error-summary"')[1]
            assert "not right" not in empty.text
            assert "pas valide" not in empty.text
    clock.advance(30)
    right = current_code(secret, clock.now().timestamp())
    assert _finish(browser, account.email, code, second_factor=right).status_code == 303


def test_the_error_summary_lists_the_fields_in_the_forms_order(components, browser, mail):
    account = make_account(components)
    _ask_code(browser, account.email)
    wrong = str((int(mail.last_code(account.email)) + 1) % 10**8).zfill(8)
    for code in (wrong, ""):
        refused = _finish(browser, account.email, code, password="short")
        summary = refused.text.split('class="error-summary"')[1].split("</ul>")[0]
        assert summary.index('href="#code"') < summary.index('href="#password"')


def test_the_language_switch_on_the_recovery_code_step_shows_it_in_french(browser, mail):
    account_email = "switch-recover@example.ca"
    code_step = _ask_code(browser, account_email)
    french = switch_language(browser, code_step)
    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "Choisir un nouveau mot de passe" in french.text
    assert f'name="email" value="{account_email}"' in french.text
    assert 'action="/recover/verify"' in french.text


def test_the_language_switch_on_a_refused_recovery_code_keeps_the_step_and_its_error(
    components, browser, mail
):
    account = make_account(components)
    _ask_code(browser, account.email)
    refused = _finish(browser, account.email, "00000000")
    assert refused.status_code == 400
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert "Choisir un nouveau mot de passe" in french.text
    assert f'name="email" value="{account.email}"' in french.text
    assert 'aria-describedby="code-error"' in french.text
    assert NEW_PASSWORD not in french.text


def test_the_language_switch_on_a_refused_recovery_email_keeps_what_was_typed(browser):
    page = browser.get("/recover")
    refused = browser.post("/recover", data={"email": "not-an-email", "csrf_token": csrf_of(page)})
    french = switch_language(browser, refused)
    assert "Récupérer votre compte" in french.text
    assert 'value="not-an-email"' in french.text
    assert EMAIL_TEXTS["fr"] in french.text
