"""Recovery (issue 7 item 10): a wrong or missing second factor does not burn the emailed
code nor call it "expired"; someone who lost both second factor and recovery codes has a
path (an identity check an officer reviews); every mail says how to reach a person."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from idp.accounts.models import Account
from idp.authn.totp import current_code
from tests.factories.idp import make_account, transaction
from tests.idp.flows import csrf_of, enable_totp, sign_in, step_up

NEW_PASSWORD = "a brand new long passphrase"


def _protected(components, browser, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, codes = enable_totp(browser, clock.now().timestamp())
    return account, secret, codes


def _ask_code(browser, email):
    page = browser.get("/recover")
    browser.post("/recover", data={"email": email, "csrf_token": csrf_of(page)})
    return csrf_of(page)


def test_a_wrong_second_factor_leaves_the_emailed_code_usable(
    components, app, browser, clock, mail
):
    account, secret, _ = _protected(components, browser, clock)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as stranger:
        token = _ask_code(stranger, account.email)
        code = mail.last_code(account.email)
        form = {"email": account.email, "code": code, "password": NEW_PASSWORD}
        wrong = stranger.post(
            "/recover/verify", data={**form, "second_factor": "000000", "csrf_token": token}
        )
        assert wrong.status_code == 400
        assert 'id="second_factor-error"' in wrong.text
        assert "expired" not in wrong.text
        missing = stranger.post("/recover/verify", data={**form, "csrf_token": token})
        assert 'id="second_factor-error"' in missing.text
        clock.advance(30)
        right = stranger.post(
            "/recover/verify",
            data={
                **form,
                "second_factor": current_code(secret, clock.now().timestamp()),
                "csrf_token": token,
            },
        )
    assert right.headers["location"] == "/login?notice=password_changed"


def test_a_second_factor_locked_during_recovery_says_how_long_to_wait(
    components, app, browser, clock, mail
):
    """It said "Try again in 0 minutes" with a 400 and no Retry-After."""
    account, _, _ = _protected(components, browser, clock)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as stranger:
        token = _ask_code(stranger, account.email)
        form = {
            "email": account.email,
            "code": mail.last_code(account.email),
            "password": NEW_PASSWORD,
            "second_factor": "000000",
            "csrf_token": token,
        }
        answers = [stranger.post("/recover/verify", data=form) for _ in range(10)]
    assert [a.status_code for a in answers[:9]] == [400] * 9
    locked = answers[9]  # the tenth wrong code uses the budget up
    assert locked.status_code == 429
    wait = int(locked.headers["retry-after"])
    assert 0 < wait <= 15 * 60
    assert f"Try again in {(wait + 59) // 60} minutes." in locked.text
    assert "Try again in 0 minutes" not in locked.text


def test_known_and_unknown_emails_get_the_same_fields_in_recovery(components, browser, mail):
    account = make_account(components)
    token = _ask_code(browser, account.email)
    answers = []
    for email in (account.email, "nobody-here@example.ca"):
        answer = browser.post(
            "/recover/verify",
            data={"email": email, "code": "12345678", "password": "short", "csrf_token": token},
        )
        answers.append(sorted(set(re.findall(r'id="([a-z_]+)-error"', answer.text))))
    assert answers[0] == answers[1] == ["code", "password"]


def test_someone_who_lost_every_factor_asks_an_officer_who_confirms_them(
    components, app, browser, clock, mail
):
    account, _, _ = _protected(components, browser, clock)
    officer = make_account(components, name="Officer Roy")
    with transaction(components) as db:
        db.get(Account, officer.id).roles = ["officer"]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as person:
        token = _ask_code(person, account.email)
        asked = person.post(
            "/recover/identity",
            data={
                "email": account.email,
                "code": mail.last_code(account.email),
                "name": account.name,
                "phone": "613-555-0199",
                "explanation": "My phone was stolen and I lost my recovery codes.",
                "csrf_token": token,
            },
        )
        assert asked.status_code == 200
        reference = re.search(r"reference is ([A-Z0-9]{8})", asked.text).group(1)
        assert any(reference in t for t in mail.texts(account.email))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as desk:
        sign_in(desk, "/login", officer.email)
        officer_secret, _ = enable_totp(desk, clock.now().timestamp())
        clock.advance(16 * 60)
        step_up(desk, clock, officer_secret, "/officer/identity-checks")
        queue = desk.get("/officer/identity-checks")
        assert reference in queue.text
        assert "613-555-0199" in queue.text
        check_id = re.search(r'/officer/identity-checks/([0-9a-f]{32})"', queue.text).group(1)
        no_reason = desk.post(
            f"/officer/identity-checks/{check_id}",
            data={"decision": "reject", "reason": " ", "csrf_token": csrf_of(queue)},
        )
        assert no_reason.status_code == 400  # a refusal needs a reason
        decided = desk.post(
            f"/officer/identity-checks/{check_id}",
            data={"decision": "approve", "reason": "", "csrf_token": csrf_of(queue)},
        )
        assert decided.headers["location"] == "/officer/identity-checks?notice=approved"
        again = desk.post(
            f"/officer/identity-checks/{check_id}",
            data={"decision": "reject", "reason": "late", "csrf_token": csrf_of(queue)},
        )
        assert again.status_code == 409  # one decision per request
    assert any("Your identity was confirmed" in s for s in mail.subjects(account.email))
    # The account has no second factor left: the emailed code alone recovers it now.
    token = _ask_code(browser, account.email)
    recovered = browser.post(
        "/recover/verify",
        data={
            "email": account.email,
            "code": mail.last_code(account.email),
            "password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert recovered.headers["location"] == "/login?notice=password_changed"


def test_every_mail_says_how_to_reach_a_person(components, browser, clock, mail):
    account, _, _ = _protected(components, browser, clock)
    _ask_code(browser, account.email)
    for text in mail.texts(account.email):
        assert "/help" in text
        assert "1-888-242-2100" in text
    assert browser.get("/help").status_code == 200


IDENTITY_TEXTS = {
    "en": {
        "name": "Enter your full name (200 characters at most).",
        "phone": "Enter a telephone number where an officer can call you (40 characters at most).",
        "application_number": (
            "Enter an application number of 64 characters at most, or leave it empty."
        ),
        "explanation": "Say what happened (1000 characters at most).",
    },
    "fr": {
        "name": "Entrez votre nom complet (200 caractères au plus).",
        "phone": (
            "Entrez un numéro de téléphone où un agent peut vous joindre (40 caractères au plus)."
        ),
        "application_number": (
            "Entrez un numéro de demande de 64 caractères au plus, ou laissez ce champ vide."
        ),
        "explanation": "Dites-nous ce qui s’est passé (1000 caractères au plus).",
    },
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("too_long", [False, True], ids=["empty", "too-long"])
def test_each_identity_check_error_names_its_field_and_limit(browser, lang, too_long):
    page = browser.get(f"/recover/identity?lang={lang}")
    details = {"name": 200, "phone": 40, "application_number": 64, "explanation": 1000}
    typed = {f: ("x" * (limit + 1) if too_long else "") for f, limit in details.items()}
    refused = browser.post(
        "/recover/identity",
        data={"email": "who@example.ca", "code": "", **typed, "csrf_token": csrf_of(page)},
    )
    assert refused.status_code == 400
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    expected = IDENTITY_TEXTS[lang] if too_long else dict(IDENTITY_TEXTS[lang])
    if not too_long:
        del expected["application_number"]  # optional: empty is fine
    for field, text in expected.items():
        assert f'<a href="#{field}">{text}</a>' in summary
        assert text in refused.text.split(f'id="{field}-error"')[1]
    links = re.findall(r'href="#(\w+)"', summary)
    assert links == ["code", *expected]  # the form's order
    assert "This field is required." not in refused.text
    assert "This is too long." not in refused.text


EMAIL_TEXTS = {
    "en": "Enter a valid email address, like name@example.ca (254 characters at most).",
    "fr": "Entrez une adresse courriel valide, comme nom@exemple.ca (254 caractères au plus).",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("email", ["", "not-an-address", "a" * 250 + "@example.ca"])
def test_an_identity_check_without_a_valid_email_names_the_email(browser, lang, email):
    """Not "that code is not right": the code cannot be judged without the address."""
    page = browser.get(f"/recover/identity?lang={lang}")
    refused = browser.post(
        "/recover/identity",
        data={
            "email": email,
            "code": "12345678",
            "name": "Ana Silva",
            "phone": "613-555-0100",
            "explanation": "My phone was stolen.",
            "csrf_token": csrf_of(page),
        },
    )
    assert refused.status_code == 400
    summary = refused.text.split('class="error-summary"')[1].split("</div>")[0]
    assert re.findall(r'href="#(\w+)"', summary) == ["email"]
    assert f'<a href="#email">{EMAIL_TEXTS[lang]}</a>' in summary
    assert 'id="email-error"' in refused.text


def test_the_identity_check_form_links_to_the_page_that_sends_its_code(browser):
    """It said "First ask for a code on the account recovery page" without a link to it."""
    page = browser.get("/recover/identity?lang=fr")
    assert '<a href="/recover">Récupérer votre compte</a>' in page.text


def test_an_empty_identity_check_code_is_asked_for_by_name_and_spends_no_guess(
    components, browser, mail
):
    """Not "That code is not right": nothing was typed, so nothing was guessed."""
    account = make_account(components)
    token = _ask_code(browser, account.email)
    claim = {"name": "Ana Silva", "phone": "613-555-0100", "explanation": "Phone stolen."}
    texts = {
        "en": "Enter the 8-digit code from the email.",
        "fr": "Entrez le code à 8 chiffres reçu par courriel.",
    }
    for _ in range(3):  # more empty answers than the code allows wrong guesses
        for lang, text in texts.items():
            empty = browser.post(
                f"/recover/identity?lang={lang}",
                data={"email": account.email, "code": " ", **claim, "csrf_token": token},
            )
            assert empty.status_code == 400
            assert text in empty.text.split('id="code-error"')[1].split("</p>")[0]
            summary = empty.text.split('class="error-summary"')[1].split("</div>")[0]
            assert re.findall(r'href="#(\w+)"', summary) == ["code"]
            assert "not right" not in empty.text
            assert "pas valide" not in empty.text
    code = mail.last_code(account.email)
    sent = browser.post(
        "/recover/identity?lang=en",
        data={"email": account.email, "code": code, **claim, "csrf_token": token},
    )
    assert sent.status_code == 200
    assert "We received your request" in sent.text
