"""Officer review: the queue and its filters, the checks beside the documents, the three
decisions mailed in the person's language, the answer inside the same enrolment, and one
decision per enrolment."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from idp.accounts.models import Account
from idp.enrolment.models import DocumentRead
from idp.representatives.models import Representative
from idp.representatives.service import is_approved_representative
from tests.factories.idp import transaction
from tests.idp.enrolment.journey import (
    any_csrf,
    decide,
    enrol,
    enrolment_id_of,
    make_officer,
    new_person,
    reference_of,
)
from tests.idp.flows import assert_group_error, error_summary_links, switch_language


def _submitted(components, browser, clock, mail, **profile):
    person = new_person(
        components,
        browser,
        clock,
        **({"locale": profile.pop("locale")} if "locale" in profile else {}),
    )
    enrol(browser, mail, person.account.email, **profile)
    return person, reference_of(browser)


def test_the_queue_filters_by_status_age_and_body(
    components, browser, officer_browser, clock, mail
):
    _, reference = _submitted(components, browser, clock, mail)
    clock.advance(3 * 24 * 3600)
    make_officer(components, officer_browser, clock)
    assert reference in officer_browser.get("/officer/enrolments").text
    assert reference in officer_browser.get("/officer/enrolments?body=cicc").text
    assert reference not in officer_browser.get("/officer/enrolments?body=lso").text
    assert reference in officer_browser.get("/officer/enrolments?age=2").text
    assert reference not in officer_browser.get("/officer/enrolments?age=7").text
    assert reference not in officer_browser.get("/officer/enrolments?status=approved").text


def test_the_queue_is_for_officers_with_a_second_factor(components, browser, clock):
    new_person(components, browser, clock)
    assert browser.get("/officer/enrolments").status_code == 403


def test_the_officer_sees_the_enrolment_beside_its_documents_and_the_checks_passing(
    components, browser, officer_browser, clock, mail
):
    _, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    page = officer_browser.get(f"/officer/enrolments/{enrolment_id}")
    assert page.text.count('class="check-passed"') == 4, page.text
    assert "AB123456" in page.text  # the officer compares the number with the image
    links = re.findall(rf'href="(/officer/enrolments/{enrolment_id}/documents/\w+)"', page.text)
    assert len(links) == 2
    opened = officer_browser.get(links[0])
    assert opened.headers["content-type"] == "image/jpeg"
    with transaction(components) as db:
        (read,) = db.scalars(select(DocumentRead))
        assert read.reader_role == "officer"


def test_failed_checks_are_shown(components, browser, officer_browser, clock, mail):
    first, _ = _submitted(components, browser, clock, mail)
    other_browser = officer_browser  # the second applicant uses the officer's browser first
    _, reference = _submitted(
        components,
        other_browser,
        clock,
        mail,
        legal_name="Someone Else",
        membership_number="R712345",  # the first one's membership
    )
    from fastapi.testclient import TestClient

    clock.advance(4 * 365 * 24 * 3600)  # both documents have expired by now
    with TestClient(browser.app, base_url="https://testserver", follow_redirects=False) as third:
        make_officer(components, third, clock)
        enrolment_id = enrolment_id_of(third, reference)
        page = third.get(f"/officer/enrolments/{enrolment_id}")
    outcome = dict(re.findall(r"<li>([^<:]+):\s*<span class=\"check-(passed|failed)\">", page.text))
    assert outcome == {
        "Names match across the profile and both documents": "failed",
        "Both documents present and not expired": "failed",
        "Membership found in the register, in good standing": "passed",
        "Membership not used by another account": "failed",
    }
    assert "another account has it" in page.text
    assert "a document has expired" in page.text
    del first


def _move_to(clock, *fields):
    clock.advance((datetime(*fields, tzinfo=UTC) - clock.now()).total_seconds())


def test_a_document_expiring_today_in_toronto_has_not_expired_when_utc_says_tomorrow(
    components, browser, officer_browser, clock, mail
):
    """The driving permit expires 2029-09-30. At 22:00 that day in Toronto (02:00 UTC on
    1 October) the page called it expired, comparing with the UTC date; at 00:30 there
    on 1 October it has."""
    _move_to(clock, 2029, 9, 30, 22, 0)
    _, reference = _submitted(components, browser, clock, mail)
    _move_to(clock, 2029, 10, 1, 2, 0)
    make_officer(components, officer_browser, clock)
    address = f"/officer/enrolments/{enrolment_id_of(officer_browser, reference)}"
    expired = '2029-09-30 <span class="check-failed">expired</span>'
    checks = r"<li>([^<:]+):\s*<span class=\"check-(passed|failed)\">"
    for outcome in ("passed", "failed"):
        page = officer_browser.get(address).text
        assert dict(re.findall(checks, page))["Both documents present and not expired"] == outcome
        assert (expired in page) == (outcome == "failed")
        _move_to(clock, 2029, 10, 1, 4, 30)


def test_a_membership_missing_from_the_register_fails_its_check(
    components, browser, officer_browser, clock, mail
):
    _, reference = _submitted(components, browser, clock, mail, membership_number="R999999")
    make_officer(components, officer_browser, clock)
    page = officer_browser.get(f"/officer/enrolments/{enrolment_id_of(officer_browser, reference)}")
    assert "not in the register" in page.text


def test_approval_gives_a_stable_representative_id_shown_and_mailed_in_french(
    components, browser, officer_browser, clock, mail
):
    person, reference = _submitted(components, browser, clock, mail, locale="fr")
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    decided = decide(officer_browser, enrolment_id, "approve")
    assert decided.headers["location"] == f"/officer/enrolments/{enrolment_id}?notice=decided"
    with transaction(components) as db:
        representative = db.scalar(select(Representative))
        assert is_approved_representative(db, person.account.subject)
        assert "representative" in db.get(Account, person.account.id).roles
    assert re.fullmatch(r"REP-[A-Z0-9]{4}-[A-Z0-9]{4}", representative.representative_id)
    assert representative.representative_id in browser.get("/enrolment").text
    text = mail.texts(person.account.email)[-1]
    assert representative.representative_id in text
    assert "approuvée" in text
    assert representative.evidence == [
        {"type": "passport", "issuer": "Canada", "expiry": "2031-05-01"},
        {"type": "driving_permit", "issuer": "Ontario", "expiry": "2029-09-30"},
    ]


def test_a_rejection_needs_a_reason_and_mails_it(components, browser, officer_browser, clock, mail):
    person, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    silent = decide(officer_browser, enrolment_id, "reject")
    assert silent.status_code == 400
    assert 'href="#message"' in silent.text
    undecided = decide(officer_browser, enrolment_id, "")
    assert undecided.status_code == 400
    assert assert_group_error(undecided.text, "decision")
    assert 'href="#decision-approve"' in undecided.text
    decide(
        officer_browser, enrolment_id, "reject", "The membership number belongs to someone else."
    )
    assert "belongs to someone else" in mail.texts(person.account.email)[-1]
    home = browser.get("/enrolment")
    assert "belongs to someone else" in home.text
    assert 'action="/enrolment/start"' in home.text  # they may enrol again


def test_a_request_for_information_is_answered_inside_the_same_enrolment(
    components, browser, officer_browser, clock, mail
):
    person, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    decide(officer_browser, enrolment_id, "ask", "Send a clearer scan of your passport.")
    assert "clearer scan" in mail.texts(person.account.email)[-1]
    home = browser.get("/enrolment")
    assert "clearer scan" in home.text
    assert browser.get("/enrolment/documents").status_code == 200  # may replace a document
    empty = browser.post("/enrolment/answer", data={"answer": " ", "csrf_token": any_csrf(browser)})
    assert empty.status_code == 400
    answered = browser.post(
        "/enrolment/answer",
        data={"answer": "I uploaded a new scan.", "csrf_token": any_csrf(browser)},
    )
    assert answered.headers["location"] == "/enrolment?notice=answered"
    assert reference_of(browser) == reference
    page = officer_browser.get(f"/officer/enrolments/{enrolment_id}")
    assert "I uploaded a new scan." in page.text
    assert decide(officer_browser, enrolment_id, "approve").status_code == 303


REVIEW_MESSAGE = {
    "en": "Enter the reason, or what you need from the person (4,000 characters at most).",
    "fr": "Entrez la raison, ou ce dont vous avez besoin de la personne"
    " (4\u00a0000 caractères au plus).",
}
ANSWER = {
    "en": "Enter your answer (4,000 characters at most).",
    "fr": "Entrez votre réponse (4\u00a0000 caractères au plus).",
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_missing_or_long_review_message_is_asked_for_by_name_with_its_limit(
    components, browser, officer_browser, clock, mail, lang
):
    """Not "This field is required." with the limit only in the hint."""
    _, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    officer_browser.get(f"/officer/enrolments?lang={lang}")
    for message in ("", "x" * 4001):
        refused = decide(officer_browser, enrolment_id, "ask", message)
        assert refused.status_code == 400
        assert error_summary_links(refused.text) == [("message", REVIEW_MESSAGE[lang])]
        assert f"</span>{REVIEW_MESSAGE[lang]}</p>" in refused.text


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_missing_or_long_answer_is_asked_for_by_name_with_its_limit(
    components, browser, officer_browser, clock, mail, lang
):
    _, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    decide(officer_browser, enrolment_id, "ask", "Send a clearer scan of your passport.")
    browser.get(f"/enrolment?lang={lang}")
    for answer in (" ", "x" * 4001):
        refused = browser.post(
            "/enrolment/answer", data={"answer": answer, "csrf_token": any_csrf(browser)}
        )
        assert refused.status_code == 400
        assert error_summary_links(refused.text) == [("answer", ANSWER[lang])]
        assert f"</span>{ANSWER[lang]}</p>" in refused.text


def test_two_officers_cannot_decide_one_enrolment(
    components, browser, officer_browser, clock, mail
):
    _, reference = _submitted(components, browser, clock, mail)
    from fastapi.testclient import TestClient

    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    with TestClient(browser.app, base_url="https://testserver", follow_redirects=False) as second:
        make_officer(components, second, clock)
        page = second.get(f"/officer/enrolments/{enrolment_id}")
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        assert decide(officer_browser, enrolment_id, "approve").status_code == 303
        late = second.post(
            f"/officer/enrolments/{enrolment_id}/decision",
            data={
                "decision": "reject",
                "message": "No.",
                "version": version,
                "csrf_token": any_csrf(second),
            },
        )
    assert late.status_code == 409
    assert "Another officer decided this enrolment first" in late.text
    with transaction(components) as db:
        assert db.scalar(select(Representative)) is not None  # the first decision stands


LONG_NOTE = "The scan is clearer now. " * 161  # 4,025 characters: one over the limit refuses


def test_the_language_switch_on_a_refused_answer_keeps_the_error_and_the_answer_typed(
    components, browser, officer_browser, clock, mail
):
    _, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    decide(officer_browser, enrolment_id, "ask", "Send a clearer scan of your passport.")
    refused = browser.post(
        "/enrolment/answer", data={"answer": LONG_NOTE, "csrf_token": any_csrf(browser)}
    )
    assert refused.status_code == 400
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert error_summary_links(french.text) == [("answer", ANSWER["fr"])]
    assert f">{LONG_NOTE}</textarea>" in french.text
    assert "Send a clearer scan of your passport." in french.text  # the officer's question


def test_the_language_switch_on_a_refused_decision_keeps_the_error_and_the_message_typed(
    components, browser, officer_browser, clock, mail
):
    _, reference = _submitted(components, browser, clock, mail)
    make_officer(components, officer_browser, clock)
    enrolment_id = enrolment_id_of(officer_browser, reference)
    page = officer_browser.get(f"/officer/enrolments/{enrolment_id}")
    (first, _) = re.findall(
        rf'href="(/officer/enrolments/{enrolment_id}/documents/\w+)"', page.text
    )
    assert officer_browser.get(first).status_code == 200  # a reading, in the history
    refused = decide(officer_browser, enrolment_id, "reject", LONG_NOTE)
    assert refused.status_code == 400
    french = switch_language(officer_browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert error_summary_links(french.text) == [("message", REVIEW_MESSAGE["fr"])]
    assert f">{LONG_NOTE}</textarea>" in french.text
    assert 'value="reject" checked' in french.text
    assert reference in french.text
    assert "AB123456" in french.text  # the documents beside the form, as before the switch
    assert "une pièce a été ouverte par un agent" in french.text
    assert "Collège des consultants en immigration" in french.text  # the body, in French
