"""The second factor's guessing budget: it belongs to the account, survives new
sign-ins, mails the owner when spent, and counts each code before checking it; an empty
answer spends no guess."""

from __future__ import annotations

import threading
import time

import pytest

from idp.authn.models import TotpCredential
from idp.authn.second_factor import verify_code_factor
from idp.authn.totp import confirm_totp, current_code
from idp.db import unit_of_work
from tests.concurrency import run_together
from tests.factories.idp import make_account, transaction
from tests.idp.authn.totp_journeys import sign_out, signed_in_with_totp
from tests.idp.flows import csrf_of, sign_in


def test_wrong_codes_spend_the_accounts_budget_even_across_new_sign_ins(
    components, browser, clock, mail
):
    """A right password never buys more guesses: 4 sign-ins x 3 wrong codes hit the 10."""
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
    statuses = []
    for _ in range(4):
        sign_in(browser, "/login", account.email)
        page = browser.get("/login/second-factor")
        for _ in range(3):
            answer = browser.post(
                "/login/second-factor",
                data={"method": "totp", "code": "123456", "csrf_token": csrf_of(page)},
            )
            statuses.append(answer.status_code)
    assert statuses[:9] == [401] * 9
    assert set(statuses[9:]) == {429}
    assert answer.headers["retry-after"].isdigit()
    clock.advance(30)
    right = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    assert right.status_code == 429  # locked: even the right code waits for the window
    assert any("Several wrong second-factor codes" in t for t in mail.texts(account.email))


def test_a_code_sent_after_the_budget_was_spent_is_not_checked_even_while_others_wait(
    components, backend, clock
):
    """The tenth wrong code is waiting for the authenticator's row (a slow request holds
    it) when the right one arrives: the right one comes eleventh, so it is refused unchecked,
    as it would be one after another. PostgreSQL only: where requests really wait on a row."""
    if not backend.is_real:
        pytest.skip("SQLite has one writer at a time: the race needs PostgreSQL")
    account = make_account(components)
    secret, now = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", clock.now()
    with transaction(components) as db:
        assert confirm_totp(
            db, components.master_key, account.id, secret, current_code(secret, now.timestamp()),
            now,
        )  # fmt: skip
    right = current_code(secret, now.timestamp() + 30)
    wrong = next(c for c in (f"{n:06d}" for n in range(10)) if c != right)
    budget = components.budgets.second_factor

    def guess(code: str) -> str:
        with unit_of_work(components.session_factory) as db:
            check = verify_code_factor(
                db, components.store, components.master_key, budget,
                account_id=account.id, method="totp", code=code, now=now,
            )  # fmt: skip
        return check.reason or "ok"

    assert [guess(wrong) for _ in range(budget.limit - 1)] == ["wrong"] * (budget.limit - 1)
    held, tenth_waits = threading.Event(), threading.Event()

    def slow_request() -> None:
        with unit_of_work(components.session_factory) as db:
            db.get(TotpCredential, account.id, with_for_update=True)
            held.set()
            tenth_waits.wait(10)
            time.sleep(0.5)  # the right code arrives meanwhile

    def tenth_wrong() -> str:
        held.wait(10)
        tenth_waits.set()
        return guess(wrong)

    def eleventh_right() -> str:
        tenth_waits.wait(10)
        time.sleep(0.2)
        return guess(right)

    _, tenth, eleventh = run_together(slow_request, tenth_wrong, eleventh_right)
    assert (tenth, eleventh) == ("locked", "locked")


def test_an_empty_code_is_asked_for_by_name_and_spends_no_guess(components, browser, clock):
    """Not "That code is not right": nothing was typed, so nothing was guessed."""
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor?lang=fr")
    texts = {
        "totp": "Entrez le code à 6 chiffres de votre application d’authentification.",
        "recovery": "Entrez l’un de vos codes de récupération, comme ABCD-EFGH-JKLM-NPQR.",
    }
    for _ in range(6):
        for method, text in texts.items():
            answer = browser.post(
                "/login/second-factor",
                data={"method": method, "code": " ", "csrf_token": csrf_of(page)},
            )
            assert answer.status_code == 400
            assert text in answer.text.split('id="code-error"')[1].split("</p>")[0]
            assert "pas valide" not in answer.text
    clock.advance(30)  # twelve empty answers later, the right code still signs in
    right = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    assert right.status_code == 303
