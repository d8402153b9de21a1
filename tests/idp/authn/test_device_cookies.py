"""Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"): an
address past its password budget has passwords checked only for browsers that signed in
to the account before, so spraying a few common passwords across accounts gets nowhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from starlette.responses import Response

from idp.accounts.invitations import create_invitation
from idp.accounts.passwords import Passwords
from idp.authn.device_cookies import (
    DEVICE_COOKIE_TTL_SECONDS,
    MAX_DEVICE_COOKIE_LENGTH,
    MAX_DEVICE_TOKENS,
    DeviceCookies,
)
from idp.authn.web import set_device_cookie
from keys import MasterKey
from tests.factories.idp import DEFAULT_PASSWORD, make_account, transaction
from tests.idp.authn.passkeys import SoftPasskey
from tests.idp.flows import COOKIES, comparable, csrf_of, register, sign_in

NETWORK_REFUSAL = "Too many attempts from your network."


@pytest.fixture
def attacker(app) -> Iterator[TestClient]:
    """Another browser at the same address as `browser` (a shared office, or a sprayer)."""
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


@pytest.fixture
def checked_passwords(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords argon2 verified during the test."""
    checked: list[str] = []
    verify = Passwords.verify

    def spy(self: Passwords, hashed: str | None, password: str) -> bool:
        checked.append(password)
        return verify(self, hashed, password)

    monkeypatch.setattr(Passwords, "verify", spy)
    return checked


def _spray(components, attacker: TestClient) -> None:
    """A common password tried once at each of as many accounts as the address's budget."""
    for n in range(components.budgets.password_per_address.limit):
        email = make_account(components).email if n % 2 else f"nobody{n}@example.ca"
        assert sign_in(attacker, "/login", email, "Summer2026!!").status_code == 401


def _device_cookie_set(response) -> str:
    return next(
        value
        for name, value in response.headers.multi_items()
        if name == "set-cookie" and value.startswith(f"{COOKIES.device}=")
    )


def _signed_in_before(components, browser: TestClient) -> object:
    """An account that signed in with `browser`, then signed out (its session is gone)."""
    account = make_account(components)
    assert sign_in(browser, "/login", account.email).status_code == 303
    browser.cookies.delete(COOKIES.session)
    return account


def test_an_address_past_its_budget_checks_no_password_for_a_new_browser(
    components, browser, attacker, checked_passwords
):
    victim = make_account(components)
    _spray(components, attacker)
    checked_passwords.clear()
    for client in (attacker, browser):  # the sprayer, and anyone new at that address
        refused = sign_in(client, "/login", victim.email, DEFAULT_PASSWORD)
        assert refused.status_code == 429
        assert NETWORK_REFUSAL in refused.text
        assert int(refused.headers["retry-after"]) > 0
        assert COOKIES.session not in refused.headers.get("set-cookie", "")
    assert checked_passwords == []  # the right password was never hashed


def test_a_browser_that_signed_in_before_still_gets_in_from_that_address(
    components, browser, attacker
):
    account = _signed_in_before(components, browser)
    _spray(components, attacker)
    welcome = sign_in(browser, "/login", account.email)
    assert welcome.status_code == 303
    assert welcome.headers["location"] == "/account"
    assert browser.get("/account").status_code == 200


def test_a_vouched_browser_still_spends_the_accounts_budget(components, browser, attacker):
    account = _signed_in_before(components, browser)
    _spray(components, attacker)
    # A wrong password is checked, and answered as the address's budget says (used up).
    assert sign_in(browser, "/login", account.email, "wrong password!").status_code == 429
    for _ in range(components.budgets.password_per_account.limit):
        sign_in(browser, "/login", account.email, "wrong password!")
    assert sign_in(browser, "/login", account.email).status_code == 429  # the account's


def test_a_device_cookie_of_another_account_tampered_forged_or_expired_does_not_count(
    components, browser, attacker, clock
):
    account = _signed_in_before(components, browser)
    other = make_account(components)
    genuine = browser.cookies.get(COOKIES.device)
    assert genuine
    flipped = genuine[:10] + ("A" if genuine[10] != "A" else "B") + genuine[11:]
    foreign = DeviceCookies.from_master_key(MasterKey.generate())
    _spray(components, attacker)
    now = clock.now()
    refused = {
        "another account's": (other.email, genuine),
        "tampered": (account.email, flipped),
        "made with another key": (account.email, foreign.issue(account.email, now, None)),
    }
    for what, (email, cookie) in refused.items():
        attacker.cookies.set(COOKIES.device, cookie, domain="testserver")
        assert sign_in(attacker, "/login", email).status_code == 429, what
    devices: DeviceCookies = components.device_cookies
    old = devices.issue(account.email, now - timedelta(seconds=DEVICE_COOKIE_TTL_SECONDS), None)
    assert not devices.vouches_for(old, account.email, now)
    assert devices.vouches_for(genuine, account.email, now)


def test_an_unknown_email_from_an_address_past_its_budget_reads_as_a_known_one(
    components, browser, attacker
):
    account = make_account(components)
    _spray(components, attacker)
    known = sign_in(browser, "/login", account.email)
    unknown = sign_in(browser, "/login", "nobody@example.ca")
    assert known.status_code == unknown.status_code == 429
    assert known.headers["retry-after"] == unknown.headers["retry-after"]
    assert comparable(known.text.replace(account.email, "X")) == comparable(
        unknown.text.replace("nobody@example.ca", "X")
    )


def test_the_network_refusal_speaks_french(components, browser, attacker):
    account = make_account(components)
    _spray(components, attacker)
    page = browser.get("/login?lang=fr")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = browser.post(
        "/login?lang=fr",
        data={"email": account.email, "password": DEFAULT_PASSWORD, "csrf_token": token},
    )
    assert refused.status_code == 429
    assert "Trop de tentatives depuis votre réseau. Réessayez dans 1 minute." in refused.text


def test_the_device_cookie_is_host_only_httponly_lax_and_long_lived(components, browser):
    account = make_account(components)
    cookie = _device_cookie_set(sign_in(browser, "/login", account.email))
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "httponly" in attributes
    assert "secure" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert f"max-age={DEVICE_COOKIE_TTL_SECONDS}" in attributes
    assert not any(part.startswith("domain") for part in attributes)
    assert account.email.split("@")[0] not in cookie  # a keyed digest, not the email
    insecure = Response()
    set_device_cookie(insecure, "value", secure=False)
    assert insecure.headers["set-cookie"].startswith(
        "idp_device=value;"
    )  # no prefix without Secure
    assert "secure" not in insecure.headers["set-cookie"].lower()


def test_the_device_cookie_keeps_the_last_accounts_of_the_browser(components, clock):
    devices: DeviceCookies = components.device_cookies
    emails = [f"person{n}@example.ca" for n in range(MAX_DEVICE_TOKENS + 2)]
    cookie = None
    for email in emails:
        cookie = devices.issue(email, clock.now(), cookie)
    cookie = devices.issue(emails[-1], clock.now(), cookie)  # again: still one token for it
    assert len(cookie) <= MAX_DEVICE_COOKIE_LENGTH
    vouched = [devices.vouches_for(cookie, email, clock.now()) for email in emails]
    assert vouched == [False] * 2 + [True] * MAX_DEVICE_TOKENS
    assert devices.vouches_for(cookie, " Person6@Example.CA ", clock.now())


def _password_checked_only_for(
    components, browser, attacker, checked_passwords, email, password
) -> str:
    """With the address past its budget, `browser`'s password is checked (and accepted),
    while a browser new to the account is refused unchecked; where the password led."""
    browser.cookies.delete(COOKIES.session)  # signed out; the device cookie stays
    _spray(components, attacker)
    checked_passwords.clear()
    refused = sign_in(attacker, "/login", email, password)
    assert refused.status_code == 429
    assert NETWORK_REFUSAL in refused.text
    assert checked_passwords == []
    welcome = sign_in(browser, "/login", email, password)
    assert welcome.status_code == 303
    assert checked_passwords == [password]
    return welcome.headers["location"]


def test_a_passkey_sign_in_vouches_for_the_browser(
    components, browser, attacker, checked_passwords
):
    account = make_account(components)
    passkey = SoftPasskey().add_to(components, account.id)
    signed_in = passkey.sign_in(browser)
    assert signed_in.status_code == 200
    assert signed_in.json() == {"redirect": "/account"}
    assert checked_passwords == []  # no password typed in this browser
    assert components.device_cookies.vouches_for(
        browser.cookies.get(COOKIES.device), account.email, components.clock.now()
    )
    # The password is checked; the passkey being a second factor, it leads to that step.
    after = _password_checked_only_for(
        components, browser, attacker, checked_passwords, account.email, DEFAULT_PASSWORD
    )
    assert after == "/login/second-factor"


def test_a_registration_confirmed_by_its_emailed_code_vouches_for_the_browser(
    components, browser, attacker, checked_passwords, mail
):
    password = "maple syrup and snow tires"
    confirmed = register(browser, mail, name="Li Wei", email="li.wei@example.ca", password=password)
    assert confirmed.status_code == 303
    assert _device_cookie_set(confirmed)
    after = _password_checked_only_for(
        components, browser, attacker, checked_passwords, "li.wei@example.ca", password
    )
    assert after == "/account"


def test_a_recovery_by_emailed_code_vouches_for_the_browser(
    components, browser, attacker, checked_passwords, mail
):
    """The new password is typed next at `/login`: a recovery from a busy address would
    otherwise end on a 429."""
    account = make_account(components)
    page = browser.get("/recover")
    browser.post("/recover", data={"email": account.email, "csrf_token": csrf_of(page)})
    recovered = browser.post(
        "/recover/verify",
        data={
            "email": account.email,
            "code": mail.last_code(account.email),
            "password": "a brand new passphrase",
            "second_factor": "",
            "csrf_token": csrf_of(page),
        },
    )
    assert recovered.headers["location"] == "/login?notice=password_changed"
    assert _device_cookie_set(recovered)
    after = _password_checked_only_for(
        components, browser, attacker, checked_passwords, account.email, "a brand new passphrase"
    )
    assert after == "/account"


def test_an_accepted_invitation_vouches_for_the_browser(
    components, browser, attacker, checked_passwords, clock
):
    with transaction(components) as db:
        issued = create_invitation(
            db, email="invited@example.ca", name="Ama", invited_by=None, now=clock.now()
        )
    page = browser.get(f"/invitations/accept?token={issued.token}")
    accepted = browser.post(
        "/invitations/accept",
        data={
            "token": issued.token,
            "name": "Ama",
            "password": "maple syrup and snow tires",
            "csrf_token": csrf_of(page),
        },
    )
    assert accepted.status_code == 303
    assert _device_cookie_set(accepted)
    after = _password_checked_only_for(
        components, browser, attacker, checked_passwords, "invited@example.ca",
        "maple syrup and snow tires",
    )  # fmt: skip
    assert after == "/account"
