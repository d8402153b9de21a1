"""No enumeration (issue 7 item 15): registration takes as long for a known email as for a
new one (the password is hashed either way), and the code steps of registration and
recovery answer wrong guesses alike, through the burn and after it, whether or not the
email has an account. The recovery fields and the request for access are checked in
test_recovery.py and tests/idp/console/test_delegation_pages.py."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace

from fastapi.testclient import TestClient

from adapters import SmtpMailer
from idp.app import create_app
from idp.authn.email_code import MAX_ATTEMPTS
from tests.factories.idp import make_account
from tests.idp.flows import comparable, csrf_of
from tests.servers import free_port

ROUNDS = 4
PASSWORD = "a perfectly long passphrase"


def _register(browser, email: str) -> float:
    page = browser.get("/register")
    started = time.perf_counter()
    answer = browser.post(
        "/register",
        data={
            "name": "Same Person",
            "email": email,
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    elapsed = time.perf_counter() - started
    assert answer.status_code == 200, answer.text[:200]
    return elapsed


def test_registration_takes_as_long_for_a_known_email_as_for_a_new_one(components, browser):
    known = make_account(components)
    known_times, new_times = [], []
    for n in range(ROUNDS):  # interleaved, so load on the machine hits both alike
        known_times.append(_register(browser, known.email))
        new_times.append(_register(browser, f"new-person-{n}@example.ca"))
    known_median, new_median = statistics.median(known_times), statistics.median(new_times)
    # Both answers cost one argon2id hash; before, a known email answered 6x sooner.
    assert known_median >= 0.6 * new_median, (known_times, new_times)


def _guesses(browser, path: str, form: dict[str, str], wrong: str) -> list[tuple[int, str]]:
    """The answers to `MAX_ATTEMPTS` + 1 wrong guesses (the last one after the burn), with
    the email blanked out."""
    token = csrf_of(browser.get("/register"))
    answers = []
    for _ in range(MAX_ATTEMPTS + 1):
        answer = browser.post(path, data={**form, "code": wrong, "csrf_token": token})
        answers.append((answer.status_code, comparable(answer.text.replace(form["email"], "E"))))
    return answers


def _other_than(code: str) -> str:
    return str((int(code) + 1) % 10**8).zfill(8)


def test_the_registration_code_step_answers_alike_for_a_known_and_a_new_email(
    components, browser, mail
):
    known, new = make_account(components).email, "brand-new-person@example.ca"
    for email in (known, new):
        _register(browser, email)
    wrong = _other_than(mail.last_code(new))
    answers = [_guesses(browser, "/register/verify", {"email": e}, wrong) for e in (known, new)]
    assert answers[0] == answers[1]
    texts = [text for _, text in answers[1]]
    assert {status for status, _ in answers[1]} == {400}
    assert all("That code is not right" in t for t in texts[: MAX_ATTEMPTS - 1])
    assert "Too many wrong codes" in texts[MAX_ATTEMPTS - 1]
    assert "This code has expired" in texts[MAX_ATTEMPTS]
    assert "already have one" in mail.texts(known)[-1]  # the owner is told, not sent a code


def test_the_recovery_code_step_answers_alike_for_a_known_and_an_unknown_email(
    components, browser, mail
):
    known, unknown = make_account(components).email, "nobody-at-all@example.ca"
    for email in (known, unknown):
        page = browser.get("/recover")
        browser.post("/recover", data={"email": email, "csrf_token": csrf_of(page)})
    wrong = _other_than(mail.last_code(known))
    answers = [
        _guesses(browser, "/recover/verify", {"email": e, "password": PASSWORD}, wrong)
        for e in (known, unknown)
    ]
    assert answers[0] == answers[1]
    texts = [text for _, text in answers[0]]
    assert {status for status, _ in answers[0]} == {400}
    assert all("That code is not right" in t for t in texts[: MAX_ATTEMPTS - 1])
    assert "Too many wrong codes" in texts[MAX_ATTEMPTS - 1]
    assert mail.texts(unknown) == []


def test_a_recovery_code_the_mail_server_refuses_answers_as_an_unknown_email_does(
    settings, components, caplog
):
    known = make_account(components)
    refusing = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "passerelle@example.ca")
    app = create_app(settings, components=replace(components, mailer=refusing))
    answers = []
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        for email in (known.email, "nobody-at-all@example.ca"):
            page = browser.get("/recover")
            answer = browser.post("/recover", data={"email": email, "csrf_token": csrf_of(page)})
            answers.append((answer.status_code, comparable(answer.text.replace(email, "E"))))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200
    assert "not delivered" in caplog.text  # the operator learns it, not the stranger


def test_the_wrong_password_that_uses_up_a_known_accounts_budget_answers_as_an_unknown_one(
    settings, components, caplog
):
    """The owner is warned by mail when its budget is used up; a refused (or slow) mail
    must not tell the stranger guessing that the email has an account."""
    known = make_account(components)
    refusing = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "passerelle@example.ca")
    app = create_app(settings, components=replace(components, mailer=refusing))
    answers = []
    for number, email in enumerate((known.email, "nobody-at-all@example.ca")):
        address = (f"203.0.113.{number + 1}", 50000)  # each its own address budget
        with TestClient(app, base_url="https://testserver", client=address) as browser:
            for _ in range(10):
                token = csrf_of(browser.get("/login"))
                data = {"email": email, "password": "not the password", "csrf_token": token}
                answer = browser.post("/login", data=data)
            page = comparable(answer.text.replace(email, "E").replace(token, "T"))
            answers.append((answer.status_code, page))
    assert answers[0][0] == answers[1][0] == 401
    assert answers[0][1] == answers[1][1]
    assert "not delivered" in caplog.text  # the operator learns it, not the stranger
