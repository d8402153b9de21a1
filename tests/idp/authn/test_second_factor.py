"""TOTP, recovery codes, multi-factor sign-in and acr_values step-up."""

from __future__ import annotations

import json
import threading
import time

import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.authn.models import TotpCredential
from idp.authn.second_factor import verify_code_factor
from idp.authn.totp import confirm_totp, current_code
from idp.db import unit_of_work
from tests.concurrency import run_together
from tests.factories.idp import DEFAULT_PASSWORD, make_account, make_client, transaction
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    csrf_of,
    enable_totp,
    query_of,
    redeem,
    sign_in,
    step_up,
)

LOA1 = "urn:passerelle:loa:1"
LOA2 = "urn:passerelle:loa:2"


def _signed_in_with_totp(components, browser, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    secret, codes = enable_totp(browser, clock.now().timestamp())
    return account, secret, codes


def _sign_out(browser):
    page = browser.get("/account")
    browser.post("/logout", data={"csrf_token": csrf_of(page)})


def test_enrolment_shows_an_svg_qr_code_and_needs_a_good_code(components, browser, clock):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/security/totp")
    assert 'src="data:image/svg+xml' in page.text
    wrong = browser.post(
        "/account/security/totp", data={"code": "000000", "csrf_token": csrf_of(page)}
    )
    assert wrong.status_code == 400
    assert "not right" in wrong.text
    from idp.authn.signin import second_factors

    with transaction(components) as db:
        assert second_factors(db, account.id).totp is False


def test_confirmed_totp_shows_ten_recovery_codes_once(components, browser, clock):
    _, _, codes = _signed_in_with_totp(components, browser, clock)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(c) == 19 for c in codes)


def test_sign_in_with_totp_gives_multi_factor_tokens(components, browser, portal, clock):
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
    client, client_secret = make_client(components)
    request = authorization_request(client.client_id)
    first = browser.get("/authorize?" + request.query)
    after_password = sign_in(browser, first.headers["location"], account.email)
    assert after_password.headers["location"] == "/login/second-factor"
    clock.advance(30)
    page = browser.get("/login/second-factor")
    done = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    resumed = browser.get(done.headers["location"])
    consent = browser.post(
        "/authorize/consent",
        data={
            "interaction": query_of(done.headers["location"])["interaction"],
            "decision": "allow",
            "csrf_token": csrf_of(resumed),
        },
    )
    code = query_of(consent.headers["location"])["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims
    assert claims["acr"] == LOA2
    assert claims["amr"] == ["pwd", "otp"]


def test_a_totp_code_is_never_accepted_twice(components, browser, clock):
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
    code = current_code(secret, clock.now().timestamp())  # the code used at enrolment
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor")
    replay = browser.post(
        "/login/second-factor", data={"method": "totp", "code": code, "csrf_token": csrf_of(page)}
    )
    assert replay.status_code == 401


def test_totp_accepts_one_step_of_drift(components, browser, clock):
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
    sign_in(browser, "/login", account.email)
    clock.advance(60)
    page = browser.get("/login/second-factor")
    late = current_code(secret, clock.now().timestamp() - 30)
    ok = browser.post(
        "/login/second-factor", data={"method": "totp", "code": late, "csrf_token": csrf_of(page)}
    )
    assert ok.status_code == 303


def test_recovery_code_signs_in_once_and_mails_the_holder(components, browser, clock, mail):
    account, _, codes = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor?method=recovery")
    used = browser.post(
        "/login/second-factor",
        data={"method": "recovery", "code": codes[0].lower(), "csrf_token": csrf_of(page)},
    )
    assert used.status_code == 303
    assert any("recovery code was used" in t for t in mail.texts(account.email))
    _sign_out(browser)
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor?method=recovery")
    again = browser.post(
        "/login/second-factor",
        data={"method": "recovery", "code": codes[0], "csrf_token": csrf_of(page)},
    )
    assert again.status_code == 401


def test_wrong_codes_spend_the_accounts_budget_even_across_new_sign_ins(
    components, browser, clock, mail
):
    """A right password never buys more guesses: 4 sign-ins x 3 wrong codes hit the 10."""
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
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


def test_acr_values_for_multi_factor_steps_up_a_password_session(
    components, app, browser, portal, clock
):
    account = make_account(components)
    client, client_secret = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)  # loa1
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as phone:
        sign_in(phone, "/login", account.email)  # the factor is set up from another device
        secret, _ = enable_totp(phone, clock.now().timestamp())
    request = authorization_request(client.client_id, acr_values=LOA2)
    step = browser.get("/authorize?" + request.query)
    assert step.headers["location"] == "/login/second-factor"
    clock.advance(30)
    page = browser.get("/login/second-factor")
    done = browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(secret, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    final = browser.get(done.headers["location"])
    code = query_of(final.headers["location"])["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims
    assert claims["acr"] == LOA2
    assert "otp" in claims["amr"]


def test_acr_values_for_multi_factor_without_a_second_factor_is_refused(components, browser):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    response = browser.get(
        "/authorize?" + authorization_request(client.client_id, acr_values=LOA2).query
    )
    assert query_of(response.headers["location"])["error"] == "unmet_authentication_requirements"


def _essential_acr(*values: str) -> str:
    return json.dumps({"id_token": {"acr": {"essential": True, "values": list(values)}}})


def test_essential_acr_claim_for_multi_factor_steps_up_a_password_session(
    components, app, browser, clock
):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)  # loa1
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as phone:
        sign_in(phone, "/login", account.email)
        enable_totp(phone, clock.now().timestamp())
    request = authorization_request(client.client_id, claims=_essential_acr(LOA2))
    step = browser.get("/authorize?" + request.query)
    assert step.headers["location"] == "/login/second-factor"


def test_essential_acr_claim_for_multi_factor_without_a_second_factor_is_refused(
    components, browser
):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    request = authorization_request(client.client_id, claims=_essential_acr(LOA2))
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "unmet_authentication_requirements"
    assert "code" not in result


def test_essential_acr_claim_no_level_here_meets_is_refused(components, browser):
    account = make_account(components)
    client, _ = make_client(components, first_party=True)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    request = authorization_request(client.client_id, claims=_essential_acr("urn:other:loa:3"))
    result = query_of(browser.get("/authorize?" + request.query).headers["location"])
    assert result["error"] == "unmet_authentication_requirements"
    assert "'acr'" in result["error_description"]


def _id_token_claims_of_multi_factor_session(components, browser, portal, clock, claims):
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    step_up(browser, clock, secret)  # the session is now multi-factor (loa 2)
    client, client_secret = make_client(components, first_party=True)
    request = authorization_request(client.client_id, claims=claims)
    code = authorize_code(browser, request, account.email)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    return jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims


def test_essential_acr_claim_gets_the_requested_level_a_stronger_session_meets(
    components, browser, portal, clock
):
    """OIDC Core 5.5.1.1: the acr returned MUST be one of the essential values asked for."""
    claims = _id_token_claims_of_multi_factor_session(
        components, browser, portal, clock, _essential_acr(LOA1)
    )
    assert claims["acr"] == LOA1


def test_essential_acr_claim_gets_the_strongest_requested_level_the_session_meets(
    components, browser, portal, clock
):
    claims = _id_token_claims_of_multi_factor_session(
        components, browser, portal, clock, _essential_acr(LOA1, LOA2, "urn:other:loa:3")
    )
    assert claims["acr"] == LOA2


def test_voluntary_acr_claim_gets_the_session_level(components, browser, portal, clock):
    voluntary = json.dumps({"id_token": {"acr": {"values": [LOA1]}}})
    claims = _id_token_claims_of_multi_factor_session(components, browser, portal, clock, voluntary)
    assert claims["acr"] == LOA2


def test_discovery_lists_the_acr_values(portal):
    metadata = portal.get("/.well-known/openid-configuration").json()
    assert LOA2 in metadata["acr_values_supported"]


def test_password_login_of_an_account_without_second_factor_is_single_factor(
    components, browser, portal
):
    account = make_account(components)
    client, client_secret = make_client(components)
    request = authorization_request(client.client_id)
    code = authorize_code(browser, request, account.email, DEFAULT_PASSWORD)["code"]
    body = redeem(portal, code, request.verifier, client.client_id, client_secret).json()
    claims = jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json())).claims
    assert claims["acr"] == "urn:passerelle:loa:1"


def test_a_code_typed_twice_in_its_window_says_to_wait_for_the_next(components, browser, clock):
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor")
    used = current_code(secret, clock.now().timestamp())  # the one typed at set-up
    answer = browser.post(
        "/login/second-factor",
        data={"method": "totp", "code": used, "csrf_token": csrf_of(page)},
    )
    assert answer.status_code == 401
    assert "Wait for the next code" in answer.text
    assert "not right" not in answer.text


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
    account, secret, _ = _signed_in_with_totp(components, browser, clock)
    _sign_out(browser)
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


def test_the_second_factor_page_is_in_the_accounts_language_when_nobody_chose(
    components, app, browser, clock
):
    """A French account signing in from an English browser: the page after the password
    was English, and only the pages after the second factor French."""
    account = make_account(components, locale="fr")
    sign_in(browser, "/login", account.email)
    enable_totp(browser, clock.now().timestamp())
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as fresh:
        page = fresh.get("/login", headers={"Accept-Language": "en-CA"})
        assert '<html lang="en">' in page.text
        answer = fresh.post(
            "/login",
            data={
                "email": account.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": csrf_of(page),
            },
            headers={"Accept-Language": "en-CA"},
        )
        assert answer.headers["location"] == "/login/second-factor"
        second = fresh.get("/login/second-factor", headers={"Accept-Language": "en-CA"})
        assert '<html lang="fr">' in second.text
        # A language chosen on the page (the switch) is kept.
        fresh.cookies.clear()
        page = fresh.get("/login?lang=en")
        fresh.post(
            "/login",
            data={
                "email": account.email,
                "password": DEFAULT_PASSWORD,
                "csrf_token": csrf_of(page),
            },
        )
        assert '<html lang="en">' in fresh.get("/login/second-factor").text


def test_setting_up_the_app_with_no_code_asks_for_the_code(components, browser):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    page = browser.get("/account/security/totp?lang=fr")
    empty = browser.post("/account/security/totp", data={"code": "", "csrf_token": csrf_of(page)})
    assert empty.status_code == 400
    error = empty.text.split('id="code-error"')[1].split("</p>")[0]
    assert "Entrez le code à 6 chiffres" in error
    assert "pas valide" not in empty.text
