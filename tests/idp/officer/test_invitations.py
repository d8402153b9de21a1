"""The officer's invitation page: officers only, with a second factor; sending, the form's
errors and defaults, asking again after a refused mail; the officer pages' navigation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from adapters import SmtpMailer
from idp.accounts.models import Account
from tests.factories.idp import make_account, transaction
from tests.idp.flows import COOKIES, csrf_of, enable_totp, sign_in, step_up
from tests.idp.officer.invitations import accept, invitations_to, link_in, mailed_link


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
        data={"email": "x@example.ca", "csrf_token": browser.cookies.get(COOKIES.csrf)},
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
    assert mailed_link(mail, "family@example.ca")
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
    earlier = link_in(inbox, "again@example.ca")
    inbox.refusing = True
    refused = browser.post("/officer/invitations", data=data)
    assert refused.status_code == 503
    assert UNAVAILABLE[lang] in " ".join(refused.text.split())
    inbox.refusing = False
    sent = browser.post("/officer/invitations", data=data)
    assert sent.status_code == 200
    assert len(invitations_to(components, "again@example.ca")) == 1
    assert sent.text.split("<table")[-1].count("again@example.ca") == 1
    assert browser.get(earlier).status_code == 410
    token = link_in(inbox, "again@example.ca").split("token=")[1]
    assert accept(browser, token).headers["location"] == "/account/security?notice=welcome"


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


def test_the_invitations_list_shows_the_day_an_invitation_was_made_in_the_service_zone(
    components, browser, clock
):
    """Made at 02:00 UTC, it was made at 21:00 the day before in Toronto: the list said
    the UTC date."""
    from idp.accounts.invitations import create_invitation

    made = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    with transaction(components) as db:
        create_invitation(db, email="late@example.ca", name="", invited_by=None, now=made)
    _, secret = _officer(components, browser, clock)
    step_up(browser, clock, secret, "/officer/invitations")
    row = browser.get("/officer/invitations").text.split("late@example.ca")[1].split("</tr>")[0]
    assert "<td>2026-11-25</td>" in row
