"""Representative enrolment in headless Chromium, English and French, axe on every page.

1. A new person registers, enrols (email code, an authenticator app set up when the
   enrolment asks for a second factor, profile,
   two uploads, one of them over the stated limit first, declaration), gets a receipt;
   an officer asks for more information beside the documents and the checks, the person
   answers inside the same enrolment, the officer approves: the representative ID shows.
2. A client account converts: it confirms its applications, marks one as filed for
   someone else, enrols with the conversion code; on approval the real applicant claims
   the application through the emailed invitation, and the representative's dashboard
   lists it with its portal link.
"""

from __future__ import annotations

import re
import secrets
import time

import httpx
import pytest

from idp.authn.totp import current_code
from tests.browser.accessibility import assert_accessible

pytestmark = pytest.mark.browser
PASSWORD = "a long walk on the plains of abraham"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 2048
PDF = b"%PDF-1.7\n" + b"%" * 2048
TOO_BIG = JPEG + b"\x00" * (5 * 1024 * 1024)
MEMBERS = {  # sample register members, one per journey: a membership serves one account
    ("en", "new"): "R712345",
    ("fr", "new"): "R708214",
    ("en", "conversion"): "R715530",
    ("fr", "conversion"): "R702981",
}
PROFILE = {
    "#legal_name": "Amrit Kaur Sandhu",
    "#membership_number": "R712345",
    "#firm": "Sandhu Immigration",
    "#street_address": "100 Wellington Street",
    "#locality": "Ottawa",
    "#region": "Ontario",
    "#postal_code": "K1A 0A9",
    "#country": "Canada",
    "#phone": "+1 613 555 0100",
    "#contact_email": "office@sandhu.example",
}


def _mail(idp_server, email: str, pattern: str) -> str:
    for _ in range(50):
        for text in idp_server.mail_texts(email):  # the SMTP inbox, or the dev mailbox
            found = re.search(pattern, text, flags=re.M)
            if found:
                return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no mail to {email} matching {pattern}")


def _submit(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f'form[action="{action}"] button[type=submit]').first.click()


def _sign_in(page, base: str, email: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    _submit(page, "/login")


def _totp(page, base: str) -> str:
    page.goto(f"{base}/account/security/totp")
    secret = page.locator("#totp-secret").inner_text()
    page.locator("#code").fill(current_code(secret))
    _submit(page, "/account/security/totp")
    return secret


def _officer(browser, base: str, idp_server, lang: str):
    email = f"officer-{secrets.token_hex(3)}@example.ca"
    idp_server.cli(
        "users",
        "create",
        "--email",
        email,
        "--password",
        PASSWORD,
        "--name",
        "Officer Roy",
        "--role",
        "officer",
        "--locale",
        lang,
    )
    context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
    page = context.new_page()
    _sign_in(page, base, email, lang)
    _totp(page, base)  # setting up the first factor proves it for this session
    page.goto(f"{base}/officer/enrolments?lang={lang}")
    assert "/officer/enrolments" in page.url
    return context, page


def _decide(page, decision: str, message: str = "") -> None:
    page.locator(f"#decision-{decision}").check()
    if message:
        page.locator("#message").fill(message)
    _submit(page, page.locator('form[action$="/decision"]').get_attribute("action"))
    assert "notice=decided" in page.url
    assert_accessible(page)


def _enrol(page, base: str, idp_server, email: str, member: str, *, has_factor: bool) -> str:
    """From the enrolment page to the receipt; return the reference number. Without a
    second factor yet, the enrolment asks for one and the person sets it up there."""
    page.goto(f"{base}/enrolment")
    assert_accessible(page)
    _submit(page, "/enrolment/start")
    page.wait_for_url("**/enrolment/email")
    assert_accessible(page)
    page.locator("#code").fill(_mail(idp_server, email, r"^(\d{8})\s*$"))
    _submit(page, "/enrolment/email")
    if not has_factor:
        page.wait_for_url("**/enrolment/second-factor")
        assert_accessible(page)
        page.locator('a[href="/account/security/totp"]').click()
        page.wait_for_url("**/account/security/totp")
        page.locator("#code").fill(current_code(page.locator("#totp-secret").inner_text()))
        _submit(page, "/account/security/totp")
        page.goto(f"{base}/enrolment/second-factor")
    page.wait_for_url("**/enrolment/profile")
    assert_accessible(page)
    for selector, value in PROFILE.items():
        page.locator(selector).fill(value)
    page.locator("#membership_number").fill(member)  # one account per membership
    page.locator("#type-cicc").check()
    page.locator("#membership_body").select_option("cicc")
    page.locator("#phone").fill("call me")
    _submit(page, "/enrolment/profile")
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    assert page.locator("#firm").input_value() == "Sandhu Immigration"  # nothing typed lost
    assert_accessible(page)
    page.locator("#phone").fill("+1 613 555 0100")
    _submit(page, "/enrolment/profile")
    page.wait_for_url("**/enrolment/documents?notice=profile_saved")
    assert "5 MB" in page.locator("#file-limits").inner_text()  # stated before any upload
    assert_accessible(page)
    _upload(page, 1, "passport", "AB123456", "SANDHU, Amrit Kaur", "Canada", TOO_BIG, "big.jpg")
    assert page.locator("#file-1").get_attribute("aria-invalid") == "true"
    assert "5 MB" in page.locator("#file-1-error").inner_text()
    assert page.locator("#document_number-1").input_value() == "AB123456"
    assert_accessible(page)
    _upload(page, 1, "passport", "AB123456", "SANDHU, Amrit Kaur", "Canada", JPEG, "pp.jpg")
    _upload(page, 2, "driving_permit", "S1234", "Amrit Kaur Sandhu", "Ontario", PDF, "dl.pdf")
    page.wait_for_url("**notice=saved_2")
    assert_accessible(page)
    href = page.locator('a[href^="/enrolment/documents/file/"]').first.get_attribute("href")
    opened = page.request.get(f"{base}{href}")
    assert opened.status == 200
    assert opened.headers["content-type"] == "image/jpeg"
    page.goto(f"{base}/enrolment/submit")
    assert_accessible(page)
    page.locator("#declaration").check()
    _submit(page, "/enrolment/submit")
    page.wait_for_url("**/enrolment/receipt")
    assert_accessible(page)
    return re.search(r"EN-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content()).group(0)


def _upload(page, slot, kind, number, name, issuer, content, file_name) -> None:
    form = page.locator(f'form[action="/enrolment/documents/{slot}"]')
    form.locator(f"#document_type-{slot}").select_option(kind)
    form.locator(f"#document_number-{slot}").fill(number)
    form.locator(f"#name_on_document-{slot}").fill(name)
    form.locator(f"#issuer-{slot}").fill(issuer)
    form.locator(f"#expiry-{slot}").fill("2031-05-01")
    mime = "application/pdf" if file_name.endswith(".pdf") else "image/jpeg"
    form.locator(f"#file-{slot}").set_input_files(
        {"name": file_name, "mimeType": mime, "buffer": content}
    )
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_new_person_enrols_is_asked_for_more_and_is_approved(browser, idp_server, lang):
    base = idp_server.url
    email = f"enrol-{lang}-{secrets.token_hex(3)}@example.ca"
    context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
    page = context.new_page()
    page.goto(f"{base}/enrolment?lang={lang}")
    assert_accessible(page)  # signed out: what to prepare, where to start
    page.goto(f"{base}/register?lang={lang}")
    page.locator("#name").fill("Amrit Kaur Sandhu")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    _submit(page, "/register")
    page.locator("#code").fill(_mail(idp_server, email, r"^(\d{8})\s*$"))
    _submit(page, "/register/verify")
    page.wait_for_url(f"{base}/account")
    reference = _enrol(page, base, idp_server, email, MEMBERS[lang, "new"], has_factor=False)
    assert page.locator("html").get_attribute("lang") == lang

    officer_context, officer = _officer(browser, base, idp_server, lang)
    assert_accessible(officer)
    officer.locator(f'a:text("{reference}")').click()
    officer.wait_for_url("**/officer/enrolments/*")
    assert officer.locator(".check-passed").count() == 4
    assert_accessible(officer)
    document = officer.locator('a[href*="/documents/"]').first.get_attribute("href")
    assert officer.request.get(f"{base}{document}").status == 200
    _decide(officer, "ask", "Send a clearer scan of your passport.")

    page.goto(f"{base}/enrolment")
    assert "clearer scan" in page.content()
    assert_accessible(page)
    page.locator("#answer").fill("Here is a better one: document 1 replaced.")
    _submit(page, "/enrolment/answer")
    assert "notice=answered" in page.url
    assert_accessible(page)

    officer.reload()
    assert "document 1 replaced" in officer.content()
    _decide(officer, "approve")
    officer_context.close()

    page.goto(f"{base}/enrolment")
    assert re.search(r"REP-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content())
    assert_accessible(page)
    page.goto(f"{base}/account/dashboard")
    assert_accessible(page)
    context.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_client_account_converts_and_its_client_claims_the_file(browser, idp_server, lang):
    base = idp_server.url
    tag = secrets.token_hex(3)
    filer, client_email = f"filer-{lang}-{tag}@example.ca", f"client-{lang}-{tag}@example.ca"
    idp_server.cli(
        "users",
        "create",
        "--email",
        filer,
        "--password",
        PASSWORD,
        "--name",
        "Amrit Kaur Sandhu",
        "--locale",
        lang,
    )
    portal = idp_server.cli(
        "clients",
        "create",
        "--name",
        f"Study portal {tag}",
        "--redirect-uri",
        "https://portal.example/callback",
        "--grant-type",
        "client_credentials",
        "--scope",
        "openid applications:write",
        "--first-party",
    )
    auth = (portal["client_id"], portal["client_secret"])
    with httpx.Client(base_url=base) as http:
        token = http.post("/token", data={"grant_type": "client_credentials"}, auth=auth).json()[
            "access_token"
        ]
        for number, unread in (("S100001", 0), ("S100002", 3)):
            registered = http.post(
                "/api/applications",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "application_number": number,
                    "program": "Study permit",
                    "status": "received",
                    "unread_count": unread,
                    "deep_link": f"https://portal.example/{number}",
                    "applicant": {"login_hint": filer},
                },
            )
            assert registered.status_code == 202, registered.text  # waits for the filer

    context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
    page = context.new_page()
    _sign_in(page, base, filer, lang)
    page.goto(f"{base}/account/applications")
    for _ in range(2):
        with page.expect_navigation():
            page.locator('button[name="decision"][value="confirm"]').first.click()
    assert_accessible(page)
    page.locator('a[href$="/filed-for"]', has_text="S100002").click()
    page.wait_for_url("**/filed-for")
    assert_accessible(page)
    page.locator("#applicant_name").fill("Kofi Mensah")
    page.locator("#applicant_email").fill(client_email)
    with page.expect_navigation():
        page.locator('button[value="save"]').click()
    assert "notice=filed_for_saved" in page.url
    assert_accessible(page)
    _totp(page, base)
    page.goto(f"{base}/enrolment")
    assert page.locator('a[href="/account/applications"]').count() >= 1  # conversion advice
    reference = _enrol(page, base, idp_server, filer, MEMBERS[lang, "conversion"], has_factor=True)

    officer_context, officer = _officer(browser, base, idp_server, lang)
    officer.locator(f'a:text("{reference}")').click()
    officer.wait_for_url("**/officer/enrolments/*")
    assert_accessible(officer)
    _decide(officer, "approve")
    officer_context.close()

    link = _mail(idp_server, client_email, r"(http://\S+/invitations/accept\?token=\S+)")
    client_context = browser.new_context(locale="fr-CA" if lang == "fr" else "en-CA")
    client = client_context.new_page()
    client.goto(f"{link}&lang={lang}")
    assert_accessible(client)
    client.locator("#password").fill(PASSWORD + " too")
    _submit(client, "/invitations/accept")
    client.goto(f"{base}/account/applications")
    assert "S100002" in client.content()
    assert_accessible(client)
    client.goto(f"{base}/account/representatives")
    assert "Amrit Kaur Sandhu" in client.content()
    assert_accessible(client)
    client_context.close()

    page.goto(f"{base}/account/dashboard?unread=1")
    assert "S100002" in page.content()
    assert "Kofi Mensah" in page.content()
    href = page.locator('a[href^="https://portal.example/S100002"]').get_attribute("href")
    assert "passerelle_delegation=" in href
    assert_accessible(page)
    context.close()
