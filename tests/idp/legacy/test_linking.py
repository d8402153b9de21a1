"""Linking a legacy account: proven by its password or a code at its email, confirmed,
then linked with its applications; never by email alone."""

from __future__ import annotations

import re
import secrets

import pytest
from fastapi.testclient import TestClient

from consent import applications_of_applicant, register_application
from idp.legacy.hashes import make_legacy_hash
from idp.legacy.importer import LegacyPortal, stage_batch
from idp.legacy.models import LegacyAccount
from idp.legacy.rows import LegacyApplication, LegacyRow
from tests.factories.idp import make_account, transaction
from tests.idp.flows import comparable, csrf_of, sign_in, switch_language

OLD_PASSWORD = "my old mycic password"


@pytest.fixture
def legacy(components, mycic):
    """A staged MyCIC account whose email is not the person's Passerelle email."""
    email = f"old-{secrets.token_hex(4)}@example.ca"
    row = LegacyRow(
        line=2, username="amara.o", email=email, name="Amara Okafor",
        password_hash=make_legacy_hash(OLD_PASSWORD, "salt", 1_000),
        applications=(LegacyApplication("E000001", "Study permit", "in_process"),
                      LegacyApplication("W000002")),
    )  # fmt: skip
    portal = LegacyPortal("mycic", "MyCIC (legacy client portal)", mycic.client_id)
    with transaction(components) as db:
        stage_batch(db, portal, [row], components.clock.now())
    return row


@pytest.fixture
def person(components, browser):
    amara = make_account(components, name="Amara Okafor")
    sign_in(browser, "/login", amara.email)
    return amara


def _prove_with_password(browser, password, username="amara.o"):
    page = browser.get("/account/legacy")
    data = {"portal": "mycic", "username": username, "password": password}
    return browser.post("/account/legacy/password", data=data | {"csrf_token": csrf_of(page)})


def _confirm(browser):
    page = browser.get("/account/legacy/confirm")
    assert page.status_code == 200, page.text[-500:]
    return browser.post("/account/legacy/confirm", data={"csrf_token": csrf_of(page)})


def _linked(components, _account) -> LegacyAccount:
    with transaction(components) as db:
        return db.query(LegacyAccount).one()


def test_the_legacy_password_proves_it_and_linking_brings_the_applications(
    components, legacy, person, browser, mail
):
    proved = _prove_with_password(browser, OLD_PASSWORD)
    assert proved.headers["location"] == "/account/legacy/confirm"
    assert "E000001, W000002" in browser.get("/account/legacy/confirm").text
    assert _confirm(browser).headers["location"] == "/account/legacy?notice=linked"
    with transaction(components) as db:
        mine = {a.portal_reference: a for a in applications_of_applicant(db, person.subject)}
    assert set(mine) == {"E000001", "W000002"}
    assert mine["E000001"].status == "in_process"
    row = _linked(components, person)
    assert (row.linked_account_id, row.linked_by) == (person.id, "password")
    assert "linked to your Passerelle account" in mail.texts(person.email)[-1]
    assert "E000001" in browser.get("/account/applications").text


def test_an_application_imported_without_a_program_is_named_in_the_page_language(
    components, legacy, person, browser
):
    """Stored with no program, not with the English word "Application" for every page."""
    _prove_with_password(browser, OLD_PASSWORD)
    _confirm(browser)
    with transaction(components) as db:
        mine = {a.portal_reference: a for a in applications_of_applicant(db, person.subject)}
    assert mine["W000002"].program == ""
    for lang, word in (("en", "Application"), ("fr", "Demande")):
        page = browser.get(f"/account/applications?lang={lang}").text
        assert f'<td>{word} <br><span class="hint">W000002</span></td>' in page


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(legacy, person, browser):
    wrong = _prove_with_password(browser, "not the old password")
    unknown = _prove_with_password(browser, OLD_PASSWORD, username="nobody")
    assert wrong.status_code == unknown.status_code == 400
    assert "The username or password is not right." in wrong.text
    assert "The username or password is not right." in unknown.text
    assert browser.get("/account/legacy/confirm").headers["location"].endswith("notice=expired")


LEGACY_MISSING = {
    "en": {
        "username": "Enter your username on that portal.",
        "password": "Enter your password on that portal.",
    },
    "fr": {
        "username": "Entrez votre nom d’utilisateur sur ce portail.",
        "password": "Entrez votre mot de passe sur ce portail.",
    },
}


def test_empty_fields_are_asked_for_by_name_and_count_no_guess(legacy, person, browser):
    """Not "The username or password is not right": nothing was typed, so nothing was
    guessed, in the person's budget or the legacy account's (both 10)."""
    cases = [("", ""), ("  ", "a guess"), ("amara.o", "")]
    for _ in range(4):  # twelve empty answers per language
        for lang, texts in LEGACY_MISSING.items():
            for username, password in cases:
                browser.get(f"/account/legacy?lang={lang}")
                page = _prove_with_password(browser, password, username=username)
                assert page.status_code == 400
                missing = [
                    name
                    for name, typed in (("username", username.strip()), ("password", password))
                    if not typed
                ]
                summary = page.text.split('class="error-summary"')[1].split("</ul>")[0]
                assert [f"#{name}" for name in missing] == re.findall(r'href="(#\w+)"', summary)
                for name in missing:
                    error = page.text.split(f'id="{name}-error"')[1].split("</p>")[0]
                    assert texts[name] in error
                    assert texts[name] in summary
                assert f'value="{username}"' in page.text  # what was typed is kept
                assert "not right" not in page.text
                assert "pas le bon" not in page.text
    browser.get("/account/legacy?lang=en")
    assert (
        _prove_with_password(browser, OLD_PASSWORD).headers["location"] == "/account/legacy/confirm"
    )


def test_wrong_passwords_run_out_and_wait(legacy, person, browser):
    for _ in range(10):
        _prove_with_password(browser, "guess")
    blocked = _prove_with_password(browser, OLD_PASSWORD)
    assert blocked.status_code == 429
    wait = int(blocked.headers["retry-after"])  # the page said the wait; the header was missing
    assert wait > 0
    assert f"Too many attempts. Try again in {(wait + 59) // 60} minute" in blocked.text


def test_guesses_at_one_legacy_password_from_many_accounts_run_out_together(
    components, legacy, app
):
    for _ in range(5):  # five accounts, two guesses each: ten wrong guesses at amara.o
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as guesser:
            sign_in(guesser, "/login", make_account(components).email)
            for _ in range(2):
                assert _prove_with_password(guesser, "guess").status_code == 400
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as sixth:
        sign_in(sixth, "/login", make_account(components).email)
        blocked = _prove_with_password(sixth, OLD_PASSWORD)
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.text
        # Another username is another budget: nothing says which usernames exist.
        assert _prove_with_password(sixth, "guess", username="nobody").status_code == 400


def test_a_code_at_the_legacy_email_proves_it(components, legacy, person, browser, mail):
    page = browser.get("/account/legacy")
    data = {"portal": "mycic", "code-username": "amara.o", "csrf_token": csrf_of(page)}
    asked = browser.post("/account/legacy/code", data=data)
    assert "we sent an 8-digit code" in asked.text
    wrong = browser.post(
        "/account/legacy/code/verify", data={"code": "00000000", "csrf_token": csrf_of(asked)}
    )
    assert wrong.status_code == 400
    code = mail.last_code(legacy.email)
    proved = browser.post(
        "/account/legacy/code/verify", data={"code": code, "csrf_token": csrf_of(asked)}
    )
    assert proved.headers["location"] == "/account/legacy/confirm"
    _confirm(browser)
    assert _linked(components, person).linked_by == "email_code"


def test_the_language_switch_names_the_legacy_portal_in_french(legacy, person, browser, mail):
    refused = _prove_with_password(browser, "")
    assert refused.status_code == 400
    assert "MyCIC (legacy client portal)" in refused.text
    french = switch_language(browser, refused)
    assert '<html lang="fr">' in french.text
    assert "MonCIC (ancien portail des clients)" in french.text
    assert "MyCIC" not in french.text
    page = browser.get("/account/legacy?lang=en")
    data = {"portal": "mycic", "code-username": "amara.o", "csrf_token": csrf_of(page)}
    asked = browser.post("/account/legacy/code", data=data)
    assert "If MyCIC (legacy client portal) has an account" in asked.text
    french = switch_language(browser, asked)
    assert "MonCIC (ancien portail des clients)" in french.text
    assert "MyCIC" not in french.text
    wrong = browser.post(
        "/account/legacy/code/verify",
        data={"portal": "mycic", "username": "amara.o", "code": "00000000",
              "csrf_token": csrf_of(french)},
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "MonCIC (ancien portail des clients)" in wrong.text
    english = switch_language(browser, wrong)
    assert "If MyCIC (legacy client portal) has an account" in english.text
    assert "MonCIC" not in english.text


def test_an_empty_code_is_asked_for_by_name_and_spends_no_guess(legacy, person, browser, mail):
    """Not "That code is not right": nothing was typed, so nothing was guessed."""
    page = browser.get("/account/legacy")
    data = {"portal": "mycic", "code-username": "amara.o", "csrf_token": csrf_of(page)}
    asked = browser.post("/account/legacy/code", data=data)
    texts = {
        "en": "Enter the 8-digit code from the email.",
        "fr": "Entrez le code à 8 chiffres reçu par courriel.",
    }
    form = {"portal": "mycic", "username": "amara.o", "csrf_token": csrf_of(asked)}
    for _ in range(3):  # more empty answers than the code allows wrong guesses
        for lang, text in texts.items():
            empty = browser.post(
                f"/account/legacy/code/verify?lang={lang}", data=form | {"code": " "}
            )
            assert empty.status_code == 400
            assert text in empty.text.split('id="code-error"')[1].split("</p>")[0]
            assert text in empty.text.split('class="error-summary"')[1]
            assert 'name="username" value="amara.o"' in empty.text
            assert "not right" not in empty.text
            assert "pas valide" not in empty.text
    code = mail.last_code(legacy.email)
    proved = browser.post("/account/legacy/code/verify", data=form | {"code": code})
    assert proved.headers["location"] == "/account/legacy/confirm"


def test_asking_a_code_for_no_username_asks_for_it_and_counts_no_code(
    legacy, person, browser, mail
):
    """Not "we sent an 8-digit code" for nothing, each such ask spending one of the
    person's ten codes."""
    for _ in range(6):  # twelve empty asks, more than the ten codes allowed
        for lang, texts in LEGACY_MISSING.items():
            page = browser.get(f"/account/legacy?lang={lang}")
            data = {"portal": "mycic", "code-username": " ", "csrf_token": csrf_of(page)}
            empty = browser.post("/account/legacy/code", data=data)
            assert empty.status_code == 400
            error = empty.text.split('id="code-username-error"')[1].split("</p>")[0]
            assert texts["username"] in error
            summary = empty.text.split('class="error-summary"')[1].split("</ul>")[0]
            assert re.findall(r'href="(#[\w-]+)"', summary) == ["#code-username"]
            assert 'id="username-error"' not in empty.text  # the other form's field
            assert 'name="code"' not in empty.text
    page = browser.get("/account/legacy?lang=en")
    data = {"portal": "mycic", "code-username": "amara.o", "csrf_token": csrf_of(page)}
    assert "we sent an 8-digit code" in browser.post("/account/legacy/code", data=data).text
    assert len(mail.texts(legacy.email)) == 1


def test_asking_a_code_for_an_unknown_username_sends_nothing_and_says_the_same(
    legacy, person, browser, mail
):
    page = browser.get("/account/legacy")
    data = {"portal": "mycic", "code-username": "nobody", "csrf_token": csrf_of(page)}
    asked = browser.post("/account/legacy/code", data=data)
    assert asked.status_code == 200
    assert "we sent an 8-digit code" in asked.text
    assert mail.texts(legacy.email) == []


def test_asking_a_code_answers_alike_for_a_known_and_an_unknown_username_when_mail_fails(
    settings, components, legacy, caplog
):
    """The code goes to the legacy email after the answer: its cost or a refusing mail
    server must not tell which usernames a legacy portal had."""
    from dataclasses import replace

    from adapters import SmtpMailer
    from idp.app import create_app
    from tests.servers import free_port

    refusing = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "passerelle@example.ca")
    app = create_app(settings, components=replace(components, mailer=refusing))
    answers = []
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        sign_in(browser, "/login", make_account(components).email)
        for username in ("nobody", "amara.o"):
            page = browser.get("/account/legacy")
            data = {"portal": "mycic", "code-username": username, "csrf_token": csrf_of(page)}
            asked = browser.post("/account/legacy/code", data=data)
            answers.append((asked.status_code, comparable(asked.text.replace(username, "U"))))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert "not delivered" in caplog.text


def test_the_same_email_only_suggests_the_account_it_never_links_it(components, legacy, browser):
    same = make_account(components, email=legacy.email)
    sign_in(browser, "/login", same.email)
    home = browser.get("/account")
    assert "You may have an account on MyCIC (legacy client portal) (username amara.o)" in home.text
    assert _linked(components, same).linked_account_id is None
    with transaction(components) as db:
        assert applications_of_applicant(db, same.subject) == []


def test_declining_forgets_the_proof(components, legacy, person, browser):
    _prove_with_password(browser, OLD_PASSWORD)
    page = browser.get("/account/legacy/confirm")
    browser.post("/account/legacy/cancel", data={"csrf_token": csrf_of(page)})
    assert browser.get("/account/legacy/confirm").headers["location"].endswith("notice=expired")
    assert _linked(components, person).linked_account_id is None


def test_an_application_the_portal_holds_for_someone_else_stays_theirs(
    components, legacy, person, browser, mycic
):
    other = make_account(components)
    with transaction(components) as db:
        register_application(
            db, portal_client_id=mycic.client_id, portal_reference="W000002", program="Work",
            applicant_subject=other.subject, status="received", now=components.clock.now(),
        )  # fmt: skip
    _prove_with_password(browser, OLD_PASSWORD)
    _confirm(browser)
    with transaction(components) as db:
        mine = [a.portal_reference for a in applications_of_applicant(db, person.subject)]
        theirs = [a.portal_reference for a in applications_of_applicant(db, other.subject)]
    assert mine == ["E000001"]
    assert theirs == ["W000002"]


def test_a_linked_account_cannot_be_linked_again(components, legacy, person, browser, app):
    _prove_with_password(browser, OLD_PASSWORD)
    _confirm(browser)
    intruder = make_account(components)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        sign_in(other, "/login", intruder.email)
        again = _prove_with_password(other, OLD_PASSWORD)
    assert again.status_code == 400
    assert "The username or password is not right." in again.text


def test_legacy_passwords_sent_at_once_are_checked_no_more_than_the_budget(components, legacy):
    """Thirty guesses at the same moment: numbered one by one in the person's budget and the
    legacy account's, so no more than ten are checked (fewer when the two count in another
    order), the others refused unchecked."""
    from idp.db import unit_of_work
    from idp.legacy.linking import prove_with_password
    from tests.concurrency import run_together

    guesser = make_account(components)
    budget = components.budgets.password_per_account

    def guess(n: int) -> str:
        with unit_of_work(components.session_factory) as db:
            return prove_with_password(
                db, components.store, budget, guesser, portal="mycic", username="amara.o",
                password=f"guess {n}",
            ).reason  # fmt: skip

    reasons = run_together(*[lambda n=n: guess(n) for n in range(30)])
    assert 1 <= reasons.count("wrong") <= budget.limit, reasons
    assert reasons.count("wrong") + reasons.count("rate_limited") == 30, reasons
