"""What the second-factor tests share: the levels of assurance, an account signed in
with its authenticator app set up, signing out."""

from __future__ import annotations

from tests.factories.idp import make_account
from tests.idp.flows import csrf_of, enable_totp, sign_in

LOA1 = "urn:passerelle:loa:1"
LOA2 = "urn:passerelle:loa:2"


def signed_in_with_totp(components, browser, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, codes = enable_totp(browser, clock.now().timestamp())
    return account, secret, codes


def sign_out(browser):
    page = browser.get("/account")
    browser.post("/logout", data={"csrf_token": csrf_of(page)})
