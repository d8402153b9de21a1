"""Invitations: by CLI or officer page; single use, expiring; the invitee's account exists after."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from adapters import SmtpMailer
from idp.accounts.models import Account, Invitation
from idp.cli.main import app as cli
from idp.cli.main import main
from tests.factories.idp import make_account, transaction
from tests.idp.flows import csrf_of, enable_totp, sign_in, step_up, switch_language
from tests.servers import free_port

PASSWORD = "invited and very welcome"


def _link(mail, email):
    (link,) = re.findall(r"https://testserver/invitations/accept\?token=\S+", mail.texts(email)[-1])
    return link.removeprefix("https://testserver")


def _link_in(inbox, email):
    """The link of the last mail the test's own SMTP server took for `email`."""
    (link,) = re.findall(
        r"https://testserver/invitations/accept\?token=\S+", inbox.last_text(email)
    )
    return link.removeprefix("https://testserver")


def _invitations_to(components, email):
    with transaction(components) as db:
        return db.scalars(select(Invitation).where(Invitation.email == email)).all()


@pytest.fixture
def cli_env(settings, monkeypatch):
    for name in ("issuer", "database_url", "data_dir", "redis_url", "redis_prefix", "smtp_url"):
        monkeypatch.setenv(f"IDP_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("IDP_MASTER_KEY", settings.master_key.get_secret_value())
    return CliRunner()


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
    page = browser.get(_link(mail, "kofi@example.ca"))
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
    page = browser.get(_link(mail, "once@example.ca"))
    token = page.text.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "name": "Once", "password": PASSWORD, "csrf_token": csrf_of(page)}
    assert browser.post("/invitations/accept", data=data).status_code == 303
    again = browser.get(_link(mail, "once@example.ca"))
    assert again.status_code == 410
    assert browser.post("/invitations/accept", data=data).status_code == 410


def test_the_language_switch_on_a_refused_acceptance_keeps_the_invitation(cli_env, browser, mail):
    """The token is in the mail's link, not in the address the form posts to: a link to
    that address answered 410 (this invitation cannot be used)."""
    email = "ama@example.ca"
    cli_env.invoke(cli, ["invitations", "create", "--email", email, "--locale", "fr", "--json"])
    page = browser.get(_link(mail, email))
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
    assert browser.get(_link(mail, "late@example.ca")).status_code == 410


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


def test_inviting_an_existing_account_is_refused(cli_env, components):
    account = make_account(components)
    result = cli_env.invoke(cli, ["invitations", "create", "--email", account.email, "--json"])
    assert result.exit_code == 2
    assert json.loads(result.output)["field"] == "email"


def test_an_applicant_opening_the_officer_page_is_told_it_is_not_for_them(components, browser):
    person = make_account(components)
    sign_in(browser, "/login", person.email)
    page = browser.get("/officer/invitations")
    assert page.status_code == 403
    assert "You are not allowed to see this page" in page.text
    assert 'name="password"' not in page.text  # not the sign-in form


def _officer(components, browser, clock, *, second_factor=True):
    officer = make_account(components)
    with transaction(components) as db:
        db.get(Account, officer.id).roles = ["officer"]
    sign_in(browser, "/login", officer.email)
    if not second_factor:
        return officer, None
    secret, _ = enable_totp(browser, clock.now().timestamp())
    clock.advance(16 * 60)  # the code typed at set-up is no longer recent
    return officer, secret


def test_an_officer_with_a_password_alone_cannot_invite(components, browser, clock):
    _officer(components, browser, clock, second_factor=False)  # a password only
    page = browser.get("/officer/invitations")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/account/step-up")
    forged = browser.post(
        "/officer/invitations",
        data={"email": "x@example.ca", "csrf_token": browser.cookies.get("idp_csrf")},
    )
    assert forged.status_code == 303  # refused before anything is created
    assert "x@example.ca" not in browser.get("/account").text


def test_officer_invites_from_the_page(components, browser, mail, clock):
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, "/officer/invitations")
    page = browser.get("/officer/invitations")
    assert page.status_code == 200
    sent = browser.post(
        "/officer/invitations",
        data={
            "email": "family@example.ca",
            "name": "Ama",
            "locale": "en",
            "csrf_token": csrf_of(page),
        },
    )
    assert "An invitation was sent to family@example.ca" in sent.text
    assert "family@example.ca" in sent.text.split("Recent invitations")[-1]
    assert _link(mail, "family@example.ca")
    bad = browser.post(
        "/officer/invitations", data={"email": "not-an-email", "csrf_token": csrf_of(page)}
    )
    assert bad.status_code == 400
    assert 'aria-invalid="true"' in bad.text


def test_an_officer_is_told_the_person_already_has_an_account(components, browser, clock):
    _, secret = _officer(components, browser, clock)
    existing = make_account(components)
    step_up(browser, clock, secret, "/officer/invitations")
    page = browser.get("/officer/invitations")
    refused = browser.post(
        "/officer/invitations", data={"email": existing.email, "csrf_token": csrf_of(page)}
    )
    assert refused.status_code == 409
    assert "already has an account: no invitation is needed" in refused.text
    assert "Sign in instead" not in refused.text


def test_the_account_page_links_officers_to_their_console(components, browser, clock):
    _officer(components, browser, clock)
    assert 'href="/officer/invitations"' in browser.get("/account").text


def test_the_account_page_does_not_offer_the_console_to_applicants(components, browser):
    sign_in(browser, "/login", make_account(components).email)
    assert 'href="/officer/invitations"' not in browser.get("/account").text


@pytest.mark.parametrize(
    ("lang", "email_text", "name_text"),
    [
        (
            "en",
            "Enter a valid email address, like name@example.ca (254 characters at most).",
            "Enter their full name (200 characters at most).",
        ),
        (
            "fr",
            "Entrez une adresse courriel valide, comme nom@exemple.ca (254 caractères au plus).",
            "Entrez son nom complet (200 caractères au plus).",
        ),
    ],
    ids=["en", "fr"],
)
def test_the_invitation_form_names_every_field_at_fault_and_keeps_what_was_typed(
    components, browser, mail, clock, lang, email_text, name_text
):
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, "/officer/invitations")
    page = browser.get(f"/officer/invitations?lang={lang}")
    long_name = "N" * 300
    bad = browser.post(
        "/officer/invitations",
        data={
            "email": "not-an-email",
            "name": long_name,
            "locale": "fr",
            "csrf_token": csrf_of(page),
        },
    )
    assert bad.status_code == 400
    summary = bad.text.split('class="error-summary"')[1].split("</div>")[0]
    assert email_text in summary
    assert name_text in summary
    assert summary.index('href="#email"') < summary.index('href="#name"')  # the form's order
    assert "Enter your full name" not in bad.text
    assert 'value="not-an-email"' in bad.text
    assert f'value="{long_name}"' in bad.text
    assert 'id="locale-fr" name="locale" value="fr" checked' in bad.text
    assert 'value="en" checked' not in bad.text
    fixed = browser.post(
        "/officer/invitations",
        data={"email": "ama@example.ca", "name": "Ama", "locale": "fr", "csrf_token": csrf_of(bad)},
    )
    assert fixed.status_code == 200
    assert "invite à créer votre compte" in mail.texts("ama@example.ca")[-1]


UNAVAILABLE = {
    "en": "Nothing you saved is lost. Try again in a few seconds.",
    "fr": "Rien de ce que vous avez enregistré n’est perdu. Réessayez dans quelques secondes.",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_invitation_asked_again_after_the_mail_server_refused_it_is_one_invitation(
    components, app, browser, clock, refusing_smtp, lang
):
    """The refusal answers "try again"; trying again sends the same invitation, not a second
    one (the invitee got several links, the list showed it twice). The person may hold the
    link of an earlier mail: only the last mail's link works."""
    url, inbox = refusing_smtp
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, "/officer/invitations")
    app.state.mailer = SmtpMailer(url, "passerelle@example.ca")
    page = browser.get(f"/officer/invitations?lang={lang}")
    data = {"email": "again@example.ca", "name": "Ama", "locale": lang}
    data["csrf_token"] = csrf_of(page)
    inbox.refusing = False
    assert browser.post("/officer/invitations", data=data).status_code == 200
    earlier = _link_in(inbox, "again@example.ca")
    inbox.refusing = True
    refused = browser.post("/officer/invitations", data=data)
    assert refused.status_code == 503
    assert UNAVAILABLE[lang] in " ".join(refused.text.split())
    inbox.refusing = False
    sent = browser.post("/officer/invitations", data=data)
    assert sent.status_code == 200
    assert len(_invitations_to(components, "again@example.ca")) == 1
    assert sent.text.split("<table")[-1].count("again@example.ca") == 1
    assert browser.get(earlier).status_code == 410
    token = _link_in(inbox, "again@example.ca").split("token=")[1]
    assert _accept(browser, token).headers["location"] == "/account/security?notice=welcome"


def _french_invitation(components, clock, email):
    from idp.accounts.invitations import create_invitation

    with transaction(components) as db:
        issued = create_invitation(
            db, email=email, name="Aminata Diallo", invited_by=None, now=clock.now(), locale="fr"
        )
        return issued.token


def _accept(browser, token, password=PASSWORD):
    page = browser.get(f"/invitations/accept?token={token}")
    data = {"token": token, "name": "Aminata Diallo", "password": password}
    return browser.post("/invitations/accept", data=data | {"csrf_token": csrf_of(page)})


def test_a_french_invitation_keeps_french_after_the_account_is_created(components, browser, clock):
    browser.headers["Accept-Language"] = "en-CA,en;q=0.9"
    token = _french_invitation(components, clock, "aminata@example.ca")
    assert '<html lang="fr">' in browser.get(f"/invitations/accept?token={token}").text
    created = _accept(browser, token)
    assert created.status_code == 303
    assert created.headers["set-cookie"].count("idp_lang=fr;") == 1
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
    created = _accept(browser, token)
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
    assert _accept(browser, token).status_code == 303
    client, secret = make_client(components)
    request = authorization_request(client.client_id)
    result = authorize_code(browser, request, "token@example.ca", PASSWORD)
    body = redeem(portal, result["code"], request.verifier, client.client_id, secret).json()
    keys = KeySet.import_key_set(portal.get("/jwks").json())
    claims = jwt.decode(body["id_token"], keys, algorithms=["RS256"]).claims
    assert claims["email"] == "token@example.ca"
    assert claims["locale"] == "fr"


def _run_idp(monkeypatch, capsys, *argv: str) -> tuple[int, str]:
    """`idp` as operators run it (its `main`, which turns failures into one line)."""
    monkeypatch.setattr("sys.argv", ["idp", *argv])
    monkeypatch.setattr("logging.config.dictConfig", lambda _config: None)  # keep pytest's
    with pytest.raises(SystemExit) as stopped:
        main()
    return int(stopped.value.code or 0), capsys.readouterr().err


def test_an_invitation_the_mail_server_refuses_says_it_is_saved_in_one_line(
    cli_env, monkeypatch, capsys, components
):
    monkeypatch.setenv("IDP_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    code, err = _run_idp(monkeypatch, capsys, "invitations", "create", "--email", "a@example.ca")
    assert code == 1
    assert err.startswith("error: the invitation to a@example.ca is saved but its mail was not")
    assert err.count("\n") == 1  # one line, no traceback
    with transaction(components) as db:
        assert db.scalar(select(Invitation).where(Invitation.email == "a@example.ca"))


def test_the_cli_asked_again_after_a_refused_mail_sends_the_same_invitation(
    cli_env, monkeypatch, capsys, components, browser, refusing_smtp
):
    url, inbox = refusing_smtp
    monkeypatch.setenv("IDP_SMTP_URL", url)
    argv = ("invitations", "create", "--email", "c@example.ca")
    code, err = _run_idp(monkeypatch, capsys, *argv)
    assert code == 1
    assert err.startswith("error: the invitation to c@example.ca is saved but its mail was not")
    inbox.refusing = False
    assert _run_idp(monkeypatch, capsys, *argv)[0] == 0
    assert len(_invitations_to(components, "c@example.ca")) == 1
    assert len(inbox.to("c@example.ca")) == 1
    token = _link_in(inbox, "c@example.ca").split("token=")[1]
    assert _accept(browser, token).headers["location"] == "/account/security?notice=welcome"


def test_a_database_that_stops_answering_midway_is_one_line(cli_env, monkeypatch, capsys):
    def lost(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr("idp.cli.accounts.invite", lost)
    code, err = _run_idp(monkeypatch, capsys, "invitations", "create", "--email", "b@example.ca")
    assert code == 1
    expected = "the database did not answer (server closed the connection)"
    assert err == f"error: IDP_DATABASE_URL: {expected}\n"


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "Full name (optional)"), ("fr", "Nom complet (facultatif)")]
)
def test_the_invitation_form_says_the_name_is_optional(components, browser, clock, lang, label):
    """It is (an invitation needs only the email); the label said "Full name" alone."""
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, "/officer/invitations")
    page = browser.get(f"/officer/invitations?lang={lang}")
    assert f'<label for="name">{label}</label>' in page.text


def test_on_a_french_page_the_invitation_is_in_french_unless_changed(components, browser, clock):
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, "/officer/invitations")
    page = browser.get("/officer/invitations?lang=fr")
    assert re.search(r'id="locale-fr" name="locale" value="fr" checked', page.text)
    english = browser.get("/officer/invitations?lang=en")
    assert re.search(r'id="locale-en" name="locale" value="en" checked', english.text)


@pytest.mark.parametrize(
    "path",
    ["/officer/enrolments", "/officer/representatives", "/officer/invitations",
     "/officer/identity-checks"],
)  # fmt: skip
def test_every_officer_page_leads_to_the_account_and_to_the_others(
    components, browser, clock, path
):
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, path)
    page = browser.get(path)
    assert page.status_code == 200
    nav = page.text.split('<a href="/account">')[1].split("</p>")[0]
    others = {"/officer/enrolments", "/officer/representatives", "/officer/invitations",
              "/officer/identity-checks"} - {path}  # fmt: skip
    assert set(re.findall(r'href="(/officer/[\w-]+)"', nav)) == others
    assert '<span aria-current="page">' in nav
