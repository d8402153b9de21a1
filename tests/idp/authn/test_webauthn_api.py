"""The passkey JSON endpoints: CSRF, problem+json refusals, options asking for passkeys."""

from __future__ import annotations

import json

import pytest

from idp.authn.webauthn import MAX_NAME_LENGTH, passkey_name
from tests.factories.idp import make_account, transaction
from tests.idp.flows import csrf_of, enable_totp, sign_in, step_up


def _token(browser) -> str:
    page = browser.get("/login")
    return csrf_of(page)


def test_registration_options_ask_for_a_discoverable_verified_passkey(components, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    options = browser.post(
        "/webauthn/register/options", content=b"{}", headers={"X-CSRF-Token": _token(browser)}
    ).json()
    assert options["rp"]["id"] == "testserver"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == account.email


def test_passwordless_options_allow_any_discoverable_credential(browser):
    options = browser.post(
        "/webauthn/authenticate/options",
        content=json.dumps({"mode": "passwordless"}),
        headers={"X-CSRF-Token": _token(browser)},
    ).json()
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    assert options["challengeId"]


def test_calls_without_the_csrf_header_are_refused_as_problems(browser):
    response = browser.post("/webauthn/authenticate/options", content=b"{}")
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/csrf")


def test_registration_needs_a_session(browser):
    response = browser.post(
        "/webauthn/register/options", content=b"{}", headers={"X-CSRF-Token": _token(browser)}
    )
    assert response.status_code == 401
    assert response.json()["type"].endswith("/not_signed_in")


def test_a_forged_assertion_is_refused_naming_the_reason(browser):
    token = _token(browser)
    options = browser.post(
        "/webauthn/authenticate/options", content=b"{}", headers={"X-CSRF-Token": token}
    ).json()
    forged = {
        "challengeId": options["challengeId"],
        "credential": {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
        },
    }
    response = browser.post(
        "/webauthn/authenticate/verify", content=json.dumps(forged), headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/passkey_unknown_credential")
    again = browser.post(
        "/webauthn/authenticate/verify", content=json.dumps(forged), headers={"X-CSRF-Token": token}
    )
    assert again.json()["type"].endswith("/passkey_challenge_expired")  # challenges are single use


def test_malformed_json_is_a_problem_not_a_crash(browser):
    response = browser.post(
        "/webauthn/authenticate/verify",
        content=b"{not json",
        headers={"X-CSRF-Token": _token(browser)},
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid_json")


def test_regenerating_recovery_codes_invalidates_the_old_ones(components, browser, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, old_codes = enable_totp(browser, clock.now().timestamp())
    page = browser.get("/account/security")
    clock.advance(16 * 60)  # the code typed at set-up is no longer recent
    refused = browser.post("/account/security/recovery-codes", data={"csrf_token": csrf_of(page)})
    assert refused.headers["location"].startswith("/account/step-up")
    step_up(browser, clock, secret)
    new_page = browser.post("/account/security/recovery-codes", data={"csrf_token": csrf_of(page)})
    new_codes = [c.split("<")[0] for c in new_page.text.split("<li><code>")[1:]]
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    from idp.authn.recovery_codes import use_recovery_code

    with transaction(components) as db:
        assert use_recovery_code(db, account.id, old_codes[0], clock.now()) is False
        assert use_recovery_code(db, account.id, new_codes[0], clock.now()) is True


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("Work\x00 laptop", "Work laptop"), ("  Phone\n\t", "Phone"), ("\x00\x01", ""),
     ("é" * 300, "é" * MAX_NAME_LENGTH)],
)  # fmt: skip
def test_a_passkey_name_keeps_printable_characters_only(typed, kept):
    """A NUL from a script used to reach PostgreSQL (a 500); control characters are dropped."""
    assert passkey_name(typed) == kept
