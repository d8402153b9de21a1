"""Second factors and their budgets (issue 7 items 3, 8, 9).

A step-up raises only the session of the account that proved the factor; attempt budgets
belong to the account and the factor; changing a factor, making new recovery codes and
changing the password need a fresh step-up (and the current password, within its budget),
and each change is mailed to the owner.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from fastapi.testclient import TestClient

from adapters import SmtpMailer
from idp.authn.totp import current_code
from idp.console.security_routes import _check_current_password
from tests.factories.idp import DEFAULT_PASSWORD, make_account
from tests.idp.flows import COOKIES, csrf_of, enable_totp, sign_in, step_up, switch_language
from tests.servers import free_port

NEW_PASSWORD = "a brand new long passphrase"


def test_an_attackers_code_does_not_raise_the_victims_session(components, app, browser, clock):
    victim, attacker = make_account(components), make_account(components)
    sign_in(browser, "/login", victim.email)  # password only
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as theirs:
        sign_in(theirs, "/login", attacker.email)
        secret, _ = enable_totp(theirs, clock.now().timestamp())
        start = theirs.get("/account/step-up?return=/account/representatives/new")
        assert start.headers["location"] == "/login/second-factor"
        pending = theirs.cookies.get(COOKIES.pending)
    # The attacker plants their pending step-up in the victim's browser and answers it.
    browser.cookies.set(COOKIES.pending, pending)
    clock.advance(30)
    page = browser.get("/login/second-factor")
    answer = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    assert answer.headers["location"] == "/login?notice=step_up_refused"
    still = browser.get("/account/representatives/new")  # needs a recent second factor
    assert still.headers["location"].startswith("/account/step-up")


def test_a_step_up_gives_the_session_a_new_cookie_and_the_old_one_stops_working(
    components, app, browser, clock
):
    _account, secret = _protected_account(components, browser, clock)
    copied = browser.cookies.get(COOKIES.session)  # taken while the session was password-only
    step_up(browser, clock, secret, "/account/representatives/new")
    assert browser.cookies.get(COOKIES.session) != copied
    assert browser.get("/account/representatives/new").status_code == 200
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as thief:
        thief.cookies.set(COOKIES.session, copied)
        assert thief.get("/account/representatives/new").headers["location"] == "/login"
        assert thief.get("/account").headers["location"] == "/login"


def test_setting_up_a_first_authenticator_gives_the_session_a_new_cookie(
    components, app, browser, clock
):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    copied = browser.cookies.get(COOKIES.session)
    enable_totp(browser, clock.now().timestamp())
    assert browser.cookies.get(COOKIES.session) != copied
    assert browser.get("/account/representatives/new").status_code == 200
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as thief:
        thief.cookies.set(COOKIES.session, copied)
        assert thief.get("/account/representatives/new").headers["location"] == "/login"


def test_without_a_second_factor_the_step_up_leads_to_setting_one_up(components, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/step-up?return=/account/representatives/new")
    assert page.status_code == 200
    assert 'href="/account/security"' in page.text
    assert "Set up a second factor" in page.text


def test_a_shared_address_out_of_attempts_still_lets_a_known_browser_in(
    components, browser, portal
):
    """OWASP device cookies: a colleague whose browser signed in before still gets in when
    someone else at the office address used its budget up; a browser new to the account
    is told to wait (and its password is not checked)."""
    typo, other = make_account(components), make_account(components)
    assert sign_in(browser, "/login", other.email).status_code == 303  # earlier, this browser
    browser.cookies.delete(COOKIES.session)
    page = portal.get("/login")  # `portal`: another browser at the same address
    for _ in range(10):  # someone at the same office address mistypes ten times
        portal.post(
            "/login",
            data={"email": typo.email, "password": "wrong", "csrf_token": csrf_of(page)},
        )
    refused = portal.post(
        "/login", data={"email": typo.email, "password": "wrong", "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 429
    new_browser = portal.post(
        "/login",
        data={"email": other.email, "password": DEFAULT_PASSWORD, "csrf_token": csrf_of(page)},
    )
    assert new_browser.status_code == 429
    assert "Too many attempts from your network" in new_browser.text
    welcome = sign_in(browser, "/login", other.email)
    assert welcome.status_code == 303
    assert welcome.headers["location"] == "/account"


def _protected_account(components, browser, clock):
    """An account with an authenticator app, whose session proved it more than 15 min ago."""
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, _ = enable_totp(browser, clock.now().timestamp())
    clock.advance(16 * 60)
    return account, secret


def test_setting_up_the_first_authenticator_proves_it_for_this_session(components, browser, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    enable_totp(browser, clock.now().timestamp())
    assert browser.get("/account/representatives/new").status_code == 200  # no step-up asked


def test_removing_the_authenticator_needs_a_fresh_step_up_and_is_mailed(
    components, browser, clock, mail
):
    account, secret = _protected_account(components, browser, clock)
    page = browser.get("/account/security")
    refused = browser.post("/account/security/totp/remove", data={"csrf_token": csrf_of(page)})
    assert refused.headers["location"].startswith("/account/step-up")
    assert "Remove the authenticator app" in browser.get("/account/security").text
    step_up(browser, clock, secret, "/account/security")
    removed = browser.post("/account/security/totp/remove", data={"csrf_token": csrf_of(page)})
    assert removed.headers["location"] == "/account/security?notice=totp_disabled"
    assert any("authenticator app was removed" in t for t in mail.texts(account.email))


def test_replacing_the_authenticator_needs_a_fresh_step_up(components, browser, clock):
    _protected_account(components, browser, clock)
    again = browser.get("/account/security/totp")
    assert again.headers["location"].startswith("/account/step-up")


def test_a_password_change_needs_a_step_up_and_the_current_password_within_its_budget(
    components, browser, clock, mail
):
    account, secret = _protected_account(components, browser, clock)
    page = browser.get("/account/security")
    form = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    refused = browser.post("/account/security/password", data={**form, "csrf_token": csrf_of(page)})
    assert refused.headers["location"].startswith("/account/step-up")
    step_up(browser, clock, secret, "/account/security")
    for _ in range(10):
        wrong = browser.post(
            "/account/security/password",
            data={**form, "current_password": "not it", "csrf_token": csrf_of(page)},
        )
    assert wrong.status_code == 400
    assert "Too many attempts" in wrong.text  # the tenth wrong guess used the budget up
    right_but_locked = browser.post(
        "/account/security/password", data={**form, "csrf_token": csrf_of(page)}
    )
    assert right_but_locked.status_code == 400  # until the budget's window has passed
    assert not any("was changed" in t for t in mail.texts(account.email))


def test_a_password_change_is_mailed_to_the_owner(components, browser, clock, mail):
    account, secret = _protected_account(components, browser, clock)
    step_up(browser, clock, secret, "/account/security")
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
    assert any(
        "password of your Passerelle account was changed" in t for t in mail.texts(account.email)
    )


def test_new_recovery_codes_need_a_fresh_step_up(components, browser, clock):
    _protected_account(components, browser, clock)
    page = browser.get("/account/security")
    refused = browser.post("/account/security/recovery-codes", data={"csrf_token": csrf_of(page)})
    assert refused.headers["location"].startswith("/account/step-up")


def _codes_shown(page) -> list[str]:
    return [c.split("<")[0] for c in page.text.split("<li><code>")[1:]]


def test_the_language_switch_on_new_recovery_codes_shows_the_same_codes_in_french(
    components, browser, clock
):
    """The codes are shown once: the switch must not lose them (it shows them again from
    what was kept for this browser, `idp.http.snapshots`)."""
    _, secret = _protected_account(components, browser, clock)
    step_up(browser, clock, secret, "/account/security")
    page = browser.get("/account/security")
    made = browser.post("/account/security/recovery-codes", data={"csrf_token": csrf_of(page)})
    codes = _codes_shown(made)
    assert len(codes) == 10
    french = switch_language(browser, made)
    assert "Vos codes de récupération" in french.text
    assert _codes_shown(french) == codes
    english = switch_language(browser, french)
    assert "Your recovery codes" in english.text
    assert _codes_shown(english) == codes


def test_the_language_switch_on_the_first_recovery_codes_shows_the_same_codes_in_french(
    components, browser, clock
):
    """Setting up a first authenticator gives the session a new cookie on the page that
    shows the codes: the switch still finds them."""
    sign_in(browser, "/login", make_account(components).email)
    page = browser.get("/account/security/totp")
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    shown = browser.post(
        "/account/security/totp",
        data={"code": current_code(secret, clock.now().timestamp()), "csrf_token": csrf_of(page)},
    )
    french = switch_language(browser, shown)
    assert "Vos codes de récupération" in french.text
    assert _codes_shown(french) == _codes_shown(shown) != []


def test_new_recovery_codes_are_kept_for_one_language_switch_of_this_browser_only(
    components, app, browser, clock
):
    _, secret = _protected_account(components, browser, clock)
    step_up(browser, clock, secret, "/account/security")
    page = browser.get("/account/security")
    made = browser.post("/account/security/recovery-codes", data={"csrf_token": csrf_of(page)})
    form = {
        "page": made.text.split('name="page" value="')[1].split('"')[0],
        "back": "/account/security",
    }
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        stolen = other.post(
            "/language?lang=fr", data={**form, "csrf_token": csrf_of(other.get("/login"))}
        )
        assert stolen.status_code == 303
        assert stolen.headers["location"] == "/account/security"
    # Taken once, even by the wrong browser: the id is no key to the codes a second time.
    again = browser.post("/language?lang=fr", data={**form, "csrf_token": csrf_of(page)})
    assert again.status_code == 303
    assert not any(code in again.text for code in _codes_shown(made))


def test_the_language_switch_after_a_refused_password_change_shows_the_security_page(
    components, browser
):
    """The page answers `POST /account/security/password`, which has no GET (405): the
    switch leads to the security page itself; only passwords were typed, never kept."""
    sign_in(browser, "/login", make_account(components).email)
    page = browser.get("/account/security")
    form = {"current_password": "", "new_password": "short", "csrf_token": csrf_of(page)}
    refused = browser.post("/account/security/password", data=form)
    assert refused.status_code == 400
    french = switch_language(browser, refused)
    assert french.status_code == 200
    assert french.url.path == "/account/security"
    assert '<html lang="fr">' in french.text


def _mail_server_refuses(app) -> None:
    app.state.mailer = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", "passerelle@example.ca")


def test_new_recovery_codes_are_shown_while_the_mail_server_refuses_the_notice(
    components, app, browser, clock
):
    """The codes are saved before the notice goes out: a 503 "nothing you saved is lost"
    would hide the only copy of codes that replaced the old ones."""
    _, secret = _protected_account(components, browser, clock)
    step_up(browser, clock, secret, "/account/security")
    _mail_server_refuses(app)
    page = browser.get("/account/security")
    made = browser.post("/account/security/recovery-codes", data={"csrf_token": csrf_of(page)})
    assert made.status_code == 200, made.text[:300]
    assert "recovery codes" in made.text.lower()


def test_a_password_change_says_it_is_done_while_the_mail_server_refuses_the_notice(
    components, app, browser, clock, caplog
):
    account, secret = _protected_account(components, browser, clock)
    step_up(browser, clock, secret, "/account/security")
    _mail_server_refuses(app)
    page = browser.get("/account/security")
    form = {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
    changed = browser.post("/account/security/password", data={**form, "csrf_token": csrf_of(page)})
    assert changed.headers["location"] == "/account/security?notice=password_changed"
    assert "not delivered" in caplog.text  # the operator learns it
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        assert sign_in(other, "/login", account.email, NEW_PASSWORD).status_code == 303


class _SlowPasswords:
    """A hasher as slow as argon2id, counting what it checks (every guess is wrong)."""

    def __init__(self) -> None:
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, _hash: str | None, _password: str) -> bool:
        with self._lock:
            self.checked += 1
        time.sleep(0.2)
        return False


def test_current_passwords_sent_at_once_are_checked_no_more_than_the_budget(components):
    """The guess is counted before the slow hash, as at sign-in: a burst gets no extra checks."""
    account = make_account(components)
    me = SimpleNamespace(account=SimpleNamespace(id=account.id, password_hash="x"))
    passwords, budgets = _SlowPasswords(), components.budgets
    start = threading.Barrier(30)

    def guess() -> str | None:
        start.wait()
        return _check_current_password(components.store, budgets, passwords, me, "not it")

    with ThreadPoolExecutor(30) as pool:
        answers = list(pool.map(lambda _: guess(), range(30)))
    limit = budgets.password_per_account.limit
    assert passwords.checked == limit
    assert answers.count("current_wrong") == limit - 1
    assert answers.count("rate_limited") == 30 - (limit - 1)
