"""The sign-in page: CSRF, generic errors, rate limits, secure session cookie."""

from __future__ import annotations

from idp.authn.attempts import record_failure
from idp.authn.login import RUN_FACTOR, check_password_login
from idp.db import unit_of_work
from tests.concurrency import run_together
from tests.factories.idp import DEFAULT_PASSWORD, make_account
from tests.idp.flows import COOKIES, comparable, csrf_of


def _csrf(browser) -> str:
    browser.get("/login")
    return browser.cookies.get(COOKIES.csrf) or ""


def test_sign_in_sets_a_secure_httponly_lax_session_cookie(components, browser):
    account = make_account(components)
    response = browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(browser)},
    )
    assert response.status_code == 303
    cookie = next(
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and v.startswith(f"{COOKIES.session}=")
    )
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert browser.get("/account").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_answer(components, browser):
    account = make_account(components)
    wrong = browser.post(
        "/login",
        data={"email": account.email, "password": "not the password", "csrf_token": _csrf(browser)},
    )
    unknown = browser.post(
        "/login",
        data={
            "email": "nobody@example.ca",
            "password": "whatever pass",
            "csrf_token": _csrf(browser),
        },
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Incorrect email or password" in wrong.text
    assert comparable(wrong.text.replace(account.email, "X")) == comparable(
        unknown.text.replace("nobody@example.ca", "X")
    )


def test_sign_in_without_the_csrf_token_is_refused(components, browser):
    account = make_account(components)
    response = browser.post("/login", data={"email": account.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert COOKIES.session not in response.headers.get("set-cookie", "")


def test_failed_sign_ins_are_rate_limited_per_account(components, browser):
    account = make_account(components)
    for _ in range(10):
        browser.post(
            "/login",
            data={
                "email": account.email,
                "password": "wrong password!",
                "csrf_token": _csrf(browser),
            },
        )
    blocked = browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(browser)},
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


def test_one_address_guessing_many_accounts_is_refused_once_past_its_budget(browser):
    def guess(email: str):
        return browser.post(
            "/login",
            data={"email": email, "password": "wrong password!", "csrf_token": _csrf(browser)},
        )

    statuses = [guess(f"guess{i}@example.ca").status_code for i in range(11)]
    assert statuses == [401] * 10 + [429]  # ten accounts' first failures, then the address
    assert int(guess("guess11@example.ca").headers["retry-after"]) > 0


def test_password_hash_is_argon2id_at_owasp_parameters(components):
    account = make_account(components)
    assert account.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_pages_carry_strict_security_headers(browser):
    response = browser.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_login_page_speaks_french_when_asked(browser):
    response = browser.get("/login?lang=fr")
    assert '<html lang="fr"' in response.text
    assert "Se connecter" in response.text or "Connexion" in response.text


def _locale_cookies(response) -> list[str]:
    return [
        v
        for k, v in response.headers.multi_items()
        if k == "set-cookie" and f"{COOKIES.locale}=" in v
    ]


def test_sign_in_without_a_language_choice_remembers_the_account_language(components, browser):
    account = make_account(components, locale="fr")
    browser.headers["Accept-Language"] = "en-CA"
    response = browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(browser)},
    )
    assert response.status_code == 303
    assert [c.split(";")[0] for c in _locale_cookies(response)] == [f"{COOKIES.locale}=fr"]
    assert '<html lang="fr">' in browser.get("/account").text


def test_sign_in_keeps_the_language_the_person_chose(components, browser):
    account = make_account(components, locale="fr")
    browser.get("/login?lang=en")
    response = browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(browser)},
    )
    assert response.status_code == 303
    assert _locale_cookies(response) == []
    assert '<html lang="en">' in browser.get("/account").text


def test_an_over_long_password_is_told_the_limit_and_counts_no_guess(components, browser):
    """No account has a password over 256 characters: the page says the limit (it tells
    nothing about any account) and no failure is counted against the account."""
    account = make_account(components)
    for _ in range(12):  # more than the account's budget of 10 failures
        refused = browser.post(
            "/login",
            data={"email": account.email, "password": "x" * 257, "csrf_token": _csrf(browser)},
        )
        assert refused.status_code == 400
        assert "An email address or a password has at most 256 characters." in refused.text
    french = browser.post(
        "/login?lang=fr",
        data={"email": account.email, "password": "x" * 257, "csrf_token": _csrf(browser)},
    )
    assert "compte au plus 256 caractères" in french.text
    signed_in = browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(browser)},
    )
    assert signed_in.status_code == 303


LOGIN_MISSING = {
    "en": {"email": "Enter your email address.", "password": "Enter your password."},
    "fr": {"email": "Entrez votre adresse courriel.", "password": "Entrez votre mot de passe."},
}


def test_empty_fields_are_asked_for_by_name_and_count_no_guess(components, browser):
    """Not "Incorrect email or password": nothing was typed, so nothing was guessed, by
    the account or by the address (both budgets are 10)."""
    account = make_account(components)
    cases = [("", ""), ("  ", "a password"), (account.email, "")]
    for _ in range(4):  # twelve empty answers per language
        for lang, texts in LOGIN_MISSING.items():
            for email, password in cases:
                page = browser.post(
                    f"/login?lang={lang}",
                    data={"email": email, "password": password, "csrf_token": _csrf(browser)},
                )
                assert page.status_code == 400
                missing = [
                    name
                    for name, typed in (("email", email.strip()), ("password", password))
                    if not typed
                ]
                summary = page.text.split('class="error-summary"')[1].split("</ul>")[0]
                assert summary.count("<li>") == len(missing)
                for name in ("email", "password"):
                    if name in missing:
                        assert (
                            texts[name] in page.text.split(f'id="{name}-error"')[1].split("</p>")[0]
                        )
                        assert texts[name] in summary
                    else:
                        assert f'id="{name}-error"' not in page.text
                if missing == ["email", "password"]:
                    assert summary.index('href="#email"') < summary.index('href="#password"')
                assert f'value="{email}"' in page.text  # what was typed is kept
                assert "Incorrect" not in page.text
                assert "Adresse courriel ou mot de passe" not in page.text
    wrong = browser.post(
        "/login?lang=en",
        data={
            "email": "other@example.ca",
            "password": "not it at all",
            "csrf_token": _csrf(browser),
        },
    )
    assert wrong.status_code == 401  # the address's budget is untouched
    assert "Incorrect email or password" in wrong.text
    signed_in = browser.post(
        "/login",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": _csrf(browser)},
    )
    assert signed_in.status_code == 303


def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_budget(components):
    """Thirty guesses at one account at the same moment (threads, replicas): the account's
    budget numbers them one by one, so ten are checked and twenty refused unchecked."""
    account = make_account(components)
    budget = components.budgets.password_per_account

    def guess(n: int) -> str | None:
        with unit_of_work(components.session_factory) as db:
            result = check_password_login(
                db, components.store, components.passwords, components.budgets,
                email=account.email, password=f"wrong guess {n}", address=f"10.0.0.{n}",
                devices=components.device_cookies, device_cookie=None, now=components.clock.now(),
            )  # fmt: skip
        return result.error_code

    answers = run_together(*[lambda n=n: guess(n) for n in range(30)])
    assert answers.count("invalid_credentials") == budget.limit, answers
    assert answers.count("rate_limited") == 30 - budget.limit, answers


def _wrong_passwords_in_a_row(components, email: str, count: int) -> None:
    """`count` wrong passwords for `email` over the weeks (the per-minute budget never
    refused them): the run of failures the consecutive cap counts."""
    for _ in range(count):
        record_failure(components.store, components.budgets.password_consecutive, RUN_FACTOR, email)


def _sign_in_with(browser, email: str, password: str = DEFAULT_PASSWORD):
    return browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": _csrf(browser)}
    )


def test_a_hundredth_wrong_password_in_a_row_stops_the_password_until_a_recovery(
    components, browser, mail
):
    """NIST SP 800-63B 5.2.2: at most 100 consecutive failures. After them even the right
    password is refused, the owner is told how to choose a new one, and the recovery (which
    proves the mailbox) opens the account again."""
    account = make_account(components)
    _wrong_passwords_in_a_row(components, account.email, 99)
    hundredth = _sign_in_with(browser, account.email, "wrong password!")
    assert hundredth.status_code == 401
    assert "100 wrong passwords in a row" in mail.texts(account.email)[-1]
    refused = _sign_in_with(browser, account.email)
    assert refused.status_code == 403
    assert "its password no longer opens it" in refused.text
    assert COOKIES.session not in refused.headers.get("set-cookie", "")
    page = browser.get("/recover")
    browser.post("/recover", data={"email": account.email, "csrf_token": csrf_of(page)})
    browser.post(
        "/recover/verify",
        data={
            "email": account.email,
            "code": mail.last_code(account.email),
            "password": "a brand new passphrase",
            "csrf_token": csrf_of(page),
        },
    )
    assert _sign_in_with(browser, account.email, "a brand new passphrase").status_code == 303


def test_a_right_password_ends_the_run_of_wrong_ones(components, browser):
    account = make_account(components)
    _wrong_passwords_in_a_row(components, account.email, 99)
    assert _sign_in_with(browser, account.email).status_code == 303
    browser.cookies.clear()
    assert _sign_in_with(browser, account.email, "wrong password!").status_code == 401
    assert _sign_in_with(browser, account.email).status_code == 303


def test_an_unknown_email_past_a_hundred_wrong_passwords_reads_as_an_account_does(
    components, browser
):
    account = make_account(components)
    for email in (account.email, "nobody@example.ca"):
        _wrong_passwords_in_a_row(components, email, 100)
    known, unknown = (
        _sign_in_with(browser, account.email),
        _sign_in_with(browser, "nobody@example.ca"),
    )
    assert known.status_code == unknown.status_code == 403
    assert comparable(known.text.replace(account.email, "X")) == comparable(
        unknown.text.replace("nobody@example.ca", "X")
    )
