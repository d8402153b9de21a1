"""TOTP and recovery codes: setting the app up, signing in with a code (once, one step of
drift, a recovery code once), and the second-factor page's messages and language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.authn.totp import current_code
from tests.factories.idp import DEFAULT_PASSWORD, make_account, make_client, transaction
from tests.idp.authn.totp_journeys import LOA2, sign_out, signed_in_with_totp
from tests.idp.flows import authorization_request, csrf_of, enable_totp, query_of, redeem, sign_in


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
    _, _, codes = signed_in_with_totp(components, browser, clock)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(len(c) == 19 for c in codes)


def test_sign_in_with_totp_gives_multi_factor_tokens(components, browser, portal, clock):
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
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
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
    code = current_code(secret, clock.now().timestamp())  # the code used at enrolment
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor")
    replay = browser.post(
        "/login/second-factor", data={"method": "totp", "code": code, "csrf_token": csrf_of(page)}
    )
    assert replay.status_code == 401


def test_totp_accepts_one_step_of_drift(components, browser, clock):
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
    sign_in(browser, "/login", account.email)
    clock.advance(60)
    page = browser.get("/login/second-factor")
    late = current_code(secret, clock.now().timestamp() - 30)
    ok = browser.post(
        "/login/second-factor", data={"method": "totp", "code": late, "csrf_token": csrf_of(page)}
    )
    assert ok.status_code == 303


def test_recovery_code_signs_in_once_and_mails_the_holder(components, browser, clock, mail):
    account, _, codes = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor?method=recovery")
    used = browser.post(
        "/login/second-factor",
        data={"method": "recovery", "code": codes[0].lower(), "csrf_token": csrf_of(page)},
    )
    assert used.status_code == 303
    assert any("recovery code was used" in t for t in mail.texts(account.email))
    sign_out(browser)
    sign_in(browser, "/login", account.email)
    page = browser.get("/login/second-factor?method=recovery")
    again = browser.post(
        "/login/second-factor",
        data={"method": "recovery", "code": codes[0], "csrf_token": csrf_of(page)},
    )
    assert again.status_code == 401


def test_a_code_typed_twice_in_its_window_says_to_wait_for_the_next(components, browser, clock):
    account, secret, _ = signed_in_with_totp(components, browser, clock)
    sign_out(browser)
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
