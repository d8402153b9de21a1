"""Accepting an invitation: single use, expiring, in the invitation's language unless
the person switches; the invitee's account exists after, with its locale."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.cli.main import app as cli
from tests.factories.idp import transaction
from tests.idp.flows import COOKIES, csrf_of, switch_language
from tests.idp.officer.invitations import PASSWORD, accept, mailed_link


def test_cli_invitation_mails_a_link_that_creates_the_account(cli_env, browser, mail, components):
    result = cli_env.invoke(
        cli,
        [
            "invitations",
            "create",
            "--email",
            "Kofi@Example.ca",
            "--name",
            "Kofi Mensah",
            "--locale",
            "fr",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"email": "kofi@example.ca", "status": "sent"}
    assert "invite à créer votre compte" in mail.texts("kofi@example.ca")[-1]
    page = browser.get(mailed_link(mail, "kofi@example.ca"))
    assert 'value="Kofi Mensah"' in page.text
    assert '<html lang="fr">' in page.text  # a French invitation opens in French
    token = page.text.split('name="token" value="')[1].split('"')[0]
    created = browser.post(
        "/invitations/accept",
        data={
            "token": token,
            "name": "Kofi Mensah",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    assert created.headers["location"] == "/account/security?notice=welcome"
    with transaction(components) as db:
        kofi = db.scalar(select(Account).where(Account.email == "kofi@example.ca"))
        assert kofi.locale == "fr"  # so the ID token and userinfo say `locale: fr`
    assert browser.get("/account").status_code == 200
    from idp.accounts.service import find_account_by_email

    with transaction(components) as db:
        assert find_account_by_email(db, "kofi@example.ca").email_verified is True


def test_an_invitation_works_once(cli_env, browser, mail):
    cli_env.invoke(cli, ["invitations", "create", "--email", "once@example.ca", "--json"])
    page = browser.get(mailed_link(mail, "once@example.ca"))
    token = page.text.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "name": "Once", "password": PASSWORD, "csrf_token": csrf_of(page)}
    assert browser.post("/invitations/accept", data=data).status_code == 303
    again = browser.get(mailed_link(mail, "once@example.ca"))
    assert again.status_code == 410
    assert browser.post("/invitations/accept", data=data).status_code == 410


def test_the_language_switch_on_a_refused_acceptance_keeps_the_invitation(cli_env, browser, mail):
    """The token is in the mail's link, not in the address the form posts to: a link to
    that address answered 410 (this invitation cannot be used)."""
    email = "ama@example.ca"
    cli_env.invoke(cli, ["invitations", "create", "--email", email, "--locale", "fr", "--json"])
    page = browser.get(mailed_link(mail, email))
    token = page.text.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "name": "Ama Owusu", "password": "short", "csrf_token": csrf_of(page)}
    refused = browser.post("/invitations/accept", data=data)
    assert refused.status_code == 400
    assert '<html lang="fr">' in refused.text
    english = switch_language(browser, refused)
    assert english.status_code == 400
    assert '<html lang="en">' in english.text
    assert "<h1>Create your account</h1>" in english.text
    assert f'name="token" value="{token}"' in english.text
    assert 'id="password-error"' in english.text
    assert 'value="Ama Owusu"' in english.text  # the name typed, kept
    assert token not in str(english.url)
    data = {**data, "password": PASSWORD, "csrf_token": csrf_of(english)}
    assert browser.post("/invitations/accept", data=data).status_code == 303


def test_an_expired_invitation_cannot_be_used(cli_env, browser, mail, clock):
    cli_env.invoke(cli, ["invitations", "create", "--email", "late@example.ca", "--json"])
    clock.advance(15 * 24 * 3600)
    assert browser.get(mailed_link(mail, "late@example.ca")).status_code == 410


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "This invitation cannot be used"),
        ("fr", "Cette invitation ne peut pas être utilisée"),
    ],
)
def test_an_unusable_invitation_is_titled_as_its_heading_says(browser, lang, title):
    page = browser.get(f"/invitations/accept?token=bogus&lang={lang}")
    assert page.status_code == 410
    assert f"<title>{title} — Passerelle</title>" in page.text
    assert f"<h1>{title}</h1>" in page.text


def _french_invitation(components, clock, email):
    from idp.accounts.invitations import create_invitation

    with transaction(components) as db:
        issued = create_invitation(
            db, email=email, name="Aminata Diallo", invited_by=None, now=clock.now(), locale="fr"
        )
        return issued.token


def test_a_french_invitation_keeps_french_after_the_account_is_created(components, browser, clock):
    browser.headers["Accept-Language"] = "en-CA,en;q=0.9"
    token = _french_invitation(components, clock, "aminata@example.ca")
    assert '<html lang="fr">' in browser.get(f"/invitations/accept?token={token}").text
    created = accept(browser, token)
    assert created.status_code == 303
    assert created.headers["set-cookie"].count(f"{COOKIES.locale}=fr;") == 1
    welcome = browser.get(created.headers["location"])
    assert '<html lang="fr">' in welcome.text
    assert '<html lang="fr">' in browser.get("/account").text


def test_a_person_who_switched_to_english_on_a_french_invitation_gets_english_answers(
    components, browser, clock
):
    token = _french_invitation(components, clock, "switched@example.ca")
    page = browser.get(f"/invitations/accept?token={token}&lang=en")
    assert '<html lang="en">' in page.text
    refused = browser.post(
        "/invitations/accept",
        data={"token": token, "name": "A", "password": "short", "csrf_token": csrf_of(page)},
    )
    assert refused.status_code == 400
    assert '<html lang="en">' in refused.text
    assert '<html lang="en">' in browser.get(f"/invitations/accept?token={token}").text
    created = accept(browser, token)
    assert created.status_code == 303
    assert '<html lang="en">' in browser.get("/account").text
    with transaction(components) as db:
        account = db.scalar(select(Account).where(Account.email == "switched@example.ca"))
        assert account.locale == "en"  # their choice, not the invitation's default


def test_the_id_token_of_an_account_created_from_a_french_invitation_says_locale_fr(
    components, browser, portal, clock
):
    from joserfc import jwt
    from joserfc.jwk import KeySet

    from tests.factories.idp import make_client
    from tests.idp.flows import authorization_request, authorize_code, redeem

    browser.headers["Accept-Language"] = "en-CA"
    token = _french_invitation(components, clock, "token@example.ca")
    assert accept(browser, token).status_code == 303
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    result = authorize_code(browser, request, "token@example.ca", PASSWORD)
    body = redeem(portal, result["code"], request.verifier, client.client_id, secret).json()
    keys = KeySet.import_key_set(portal.get("/jwks").json())
    claims = jwt.decode(body["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["email"] == "token@example.ca"
    assert claims["locale"] == "fr"
