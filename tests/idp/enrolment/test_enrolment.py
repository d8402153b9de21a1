"""Enrolment, the person's side: the steps in order, the code, the profile, the draft kept
across sign-out, the receipt shown and mailed."""

from __future__ import annotations

import re

import pytest

from tests.factories.idp import make_account
from tests.idp.enrolment.journey import (
    DOCUMENTS,
    PROFILE,
    any_csrf,
    enrol,
    new_person,
    reference_of,
    save_profile,
    start_and_confirm_email,
    submit,
    upload,
)
from tests.idp.flows import (
    assert_group_error,
    csrf_of,
    error_summary_links,
    sign_in,
    switch_language,
)


def test_a_person_enrols_and_gets_a_receipt_shown_and_mailed(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    enrol(browser, mail, person.account.email)
    reference = reference_of(browser)
    assert reference in browser.get("/enrolment/receipt").text
    assert any(reference in text for text in mail.texts(person.account.email))
    assert "with an officer" in browser.get("/enrolment").text


def test_signed_out_visitors_are_told_what_to_prepare_and_where_to_start(browser):
    page = browser.get("/enrolment")
    assert page.status_code == 200
    assert 'href="/register"' in page.text
    assert "two government-issued identification documents" in page.text


def test_the_email_code_comes_before_anything_else(components, browser, clock, mail):
    new_person(components, browser, clock)
    browser.post("/enrolment/start", data={"csrf_token": any_csrf(browser)})
    for step in ("/enrolment/profile", "/enrolment/documents", "/enrolment/submit"):
        assert browser.get(step).headers["location"] == "/enrolment/email", step


def test_later_steps_lead_home_without_an_enrolment_and_back_to_documents_for_no_slot(
    components, browser, clock, mail
):
    person = new_person(components, browser, clock)
    for step in ("/enrolment/profile", "/enrolment/documents", "/enrolment/submit"):
        assert browser.get(step).headers["location"] == "/enrolment", step
    assert upload(browser, 1).headers["location"] == "/enrolment"
    start_and_confirm_email(browser, mail, person.account.email)
    assert browser.get("/enrolment/documents").status_code == 200
    data = {"csrf_token": any_csrf(browser)}
    files = {"file": ("passport.jpg", b"x", "application/octet-stream")}
    missing = browser.post("/enrolment/documents/9", data=data, files=files)
    assert missing.headers["location"] == "/enrolment/documents"


def test_a_second_factor_in_use_is_required_before_the_profile(components, browser, mail):
    account = make_account(components)
    sign_in(browser, "/login", account.email)
    start_and_confirm_email(browser, mail, account.email)
    assert browser.get("/enrolment/profile").headers["location"] == "/enrolment/second-factor"
    page = browser.get("/enrolment/second-factor")
    assert 'href="/account/security/totp"' in page.text
    refused = browser.post("/enrolment/profile", data={**PROFILE, "csrf_token": any_csrf(browser)})
    assert refused.headers["location"] == "/enrolment/second-factor"


def test_a_wrong_code_is_refused_and_five_burn_it(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    browser.post("/enrolment/start", data={"csrf_token": any_csrf(browser)})
    good = mail.last_code(person.account.email)
    wrong = "00000000" if good != "00000000" else "11111111"
    for _ in range(4):
        answer = browser.post(
            "/enrolment/email", data={"code": wrong, "csrf_token": any_csrf(browser)}
        )
        assert answer.status_code == 400
        assert "not right" in answer.text
    last = browser.post("/enrolment/email", data={"code": wrong, "csrf_token": any_csrf(browser)})
    assert "Too many wrong codes" in last.text
    late = browser.post("/enrolment/email", data={"code": good, "csrf_token": any_csrf(browser)})
    assert late.status_code == 400


def test_an_empty_code_is_asked_for_by_name_and_spends_no_guess(components, browser, clock, mail):
    """Not "That code is not right": nothing was typed, so nothing was guessed."""
    person = new_person(components, browser, clock)
    browser.post("/enrolment/start", data={"csrf_token": any_csrf(browser)})
    texts = {
        "en": "Enter the 8-digit code from the email.",
        "fr": "Entrez le code à 8 chiffres reçu par courriel.",
    }
    for _ in range(3):  # more empty answers than the code allows wrong guesses
        for lang, text in texts.items():
            empty = browser.post(
                f"/enrolment/email?lang={lang}", data={"code": " ", "csrf_token": any_csrf(browser)}
            )
            assert empty.status_code == 400
            assert text in empty.text.split('id="code-error"')[1].split("</p>")[0]
            assert text in empty.text.split('class="error-summary"')[1]
            assert "not right" not in empty.text
            assert "pas valide" not in empty.text
    code = mail.last_code(person.account.email)
    right = browser.post("/enrolment/email", data={"code": code, "csrf_token": any_csrf(browser)})
    assert right.headers["location"] == "/enrolment/second-factor"


def test_the_code_expires_after_30_minutes(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    browser.post("/enrolment/start", data={"csrf_token": any_csrf(browser)})
    assert "expires in 30 minutes" in mail.texts(person.account.email)[-1]
    clock.advance(30 * 60 + 1)
    code = mail.last_code(person.account.email)
    late = browser.post("/enrolment/email", data={"code": code, "csrf_token": any_csrf(browser)})
    assert late.status_code == 400
    assert "expired" in late.text


def test_a_new_code_waits_for_the_cooldown_and_replaces_the_old_one(
    components, browser, clock, mail
):
    person = new_person(components, browser, clock)
    browser.post("/enrolment/start", data={"csrf_token": any_csrf(browser)})
    first = mail.last_code(person.account.email)
    sent = len(mail.texts(person.account.email))
    early = browser.post("/enrolment/email/resend", data={"csrf_token": any_csrf(browser)})
    assert early.headers["location"].startswith("/enrolment/email?notice=wait_")
    assert len(mail.texts(person.account.email)) == sent
    clock.advance(61)
    again = browser.post("/enrolment/email/resend", data={"csrf_token": any_csrf(browser)})
    assert again.headers["location"] == "/enrolment/email?notice=sent"
    second = mail.last_code(person.account.email)
    if first != second:
        stale = browser.post(
            "/enrolment/email", data={"code": first, "csrf_token": any_csrf(browser)}
        )
        assert stale.status_code == 400
    used = browser.post("/enrolment/email", data={"code": second, "csrf_token": any_csrf(browser)})
    assert used.headers["location"] == "/enrolment/second-factor"


def test_the_profile_names_every_field_at_fault_and_keeps_what_was_typed(
    components, browser, clock, mail
):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    answer = save_profile(
        browser,
        legal_name="",
        representative_type="law_society",  # with the CICC as body: a mismatch
        phone="call me",
        contact_email="nope",
        postal_code="X" * 17,
    )
    assert answer.status_code == 400
    for field in ("legal_name", "membership_body", "phone", "contact_email", "postal_code"):
        assert f'id="{field}-error"' in answer.text, field
    assert "16 characters at most" in answer.text
    assert 'value="Sandhu Immigration"' in answer.text
    assert 'value="call me"' in answer.text


def test_the_language_switch_on_a_refused_profile_names_the_bodies_in_french(
    components, browser, clock, mail
):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    refused = save_profile(browser, legal_name="")
    assert refused.status_code == 400
    assert "College of Immigration and Citizenship Consultants" in refused.text
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert "Collège des consultants en immigration et en citoyenneté" in french.text
    assert "College of Immigration and Citizenship Consultants" not in french.text


def test_a_profile_without_a_kind_of_representative_ties_the_error_to_the_group(
    components, browser, clock, mail
):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    answer = save_profile(browser, representative_type="")
    assert answer.status_code == 400
    assert assert_group_error(answer.text, "representative_type")
    assert 'href="#type-' in answer.text.split('class="error-summary"')[1].split("</div>")[0]


def test_an_unpaid_representative_needs_no_membership(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    saved = save_profile(
        browser, representative_type="unpaid", membership_body="", membership_number=""
    )
    assert saved.headers["location"] == "/enrolment/documents?notice=profile_saved"


def test_the_draft_survives_signing_out(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    save_profile(browser, firm="Draft & Sons")
    upload(browser, 1)
    browser.post("/logout", data={"csrf_token": any_csrf(browser)})
    browser.cookies.clear()
    sign_in(browser, "/login", person.account.email)
    from idp.authn.totp import current_code

    clock.advance(30)
    page = browser.get("/login/second-factor")
    browser.post(
        "/login/second-factor",
        data={
            "method": "totp",
            "code": current_code(person.totp, clock.now().timestamp()),
            "csrf_token": csrf_of(page),
        },
    )
    profile = browser.get("/enrolment/profile")
    assert 'value="Draft &amp; Sons"' in profile.text
    documents = browser.get("/enrolment/documents")
    assert "passport.jpg" in documents.text
    assert 'value="AB123456"' in documents.text


def test_submitting_names_the_step_left_and_the_declaration(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    save_profile(browser)
    early = submit(browser)
    assert early.status_code == 400
    assert 'href="#documents"' in early.text
    upload(browser, 1)
    upload(browser, 2)
    undeclared = browser.post("/enrolment/submit", data={"csrf_token": any_csrf(browser)})
    assert undeclared.status_code == 400
    assert 'href="#declaration"' in undeclared.text


def test_the_language_switch_on_a_refused_submission_keeps_the_summary_and_the_error(
    components, browser, clock, mail
):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    save_profile(browser)
    upload(browser, 1)
    upload(browser, 2)
    undeclared = browser.post("/enrolment/submit", data={"csrf_token": any_csrf(browser)})
    assert undeclared.status_code == 400
    french = switch_language(browser, undeclared)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert error_summary_links(french.text) == [
        ("declaration", "Cochez la déclaration pour envoyer.")
    ]
    assert PROFILE["legal_name"] in french.text
    assert "expire le 2031-05-01" in french.text  # the documents, dated in the summary
    assert "Collège des consultants en immigration et en citoyenneté R712345" in french.text


def test_the_summary_lists_a_document_saved_empty_as_nothing_yet(components, browser, clock, mail):
    """Not "Document 1 · · expires " after an empty document form was sent."""
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    save_profile(browser)
    empty = dict.fromkeys(DOCUMENTS[1], "")
    assert upload(browser, 1, content=b"", name="", **empty).status_code == 400
    summary = browser.get("/enrolment/submit").text
    document = summary.split("<dt>Document 1</dt>")[1].split("</dd>")[0]
    assert document == "<dd>Nothing yet."


REQUIRED_FR = "Ce champ est obligatoire\u00a0: %d caractères au maximum."


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Legal name: This field is required: 200 characters at most.",
                "Kind of representative: Choose one of the options.",
                "Street address: This field is required: 200 characters at most.",
                "City or town: This field is required: 100 characters at most.",
            ],
        ),
        (
            "fr",
            [
                "Nom légal\u00a0: " + REQUIRED_FR % 200,
                "Type de représentant\u00a0: Choisissez une des options.",
                "Adresse municipale\u00a0: " + REQUIRED_FR % 200,
                "Ville ou municipalité\u00a0: " + REQUIRED_FR % 100,
            ],
        ),
    ],
)
def test_the_profile_summary_names_each_field_in_the_forms_order(
    components, browser, clock, mail, lang, expected
):
    """Not "This field is required." five times, in no particular order."""
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    browser.get(f"/enrolment/profile?lang={lang}")
    answer = save_profile(
        browser, legal_name="", representative_type="", street_address="", locality=""
    )
    assert answer.status_code == 400
    summary = answer.text.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<a href="#([\w-]+)">([^<]*)</a>', summary)
    assert [text for _, text in links] == expected
    assert [anchor for anchor, _ in links] == [
        "legal_name",
        "type-cicc",
        "street_address",
        "locality",
    ]
