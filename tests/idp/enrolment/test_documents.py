"""Identity documents: recognised by content, capped with the limit stated, sealed per
document, readable by their owner and officers only, every reading recorded."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from starlette.requests import Request

from idp.enrolment.models import DocumentRead, EnrolmentDocument, EnrolmentFile
from idp.enrolment.uploads import read_upload, sniff_media_type
from keys import MasterKey, SealBroken, SealedDocument, open_document
from tests.factories.idp import transaction
from tests.idp.enrolment.conftest import DOCUMENT_LIMIT
from tests.idp.enrolment.journey import (
    JPEG,
    PDF,
    PNG,
    any_csrf,
    new_person,
    save_profile,
    start_and_confirm_email,
    upload,
)
from tests.idp.flows import switch_language


@pytest.fixture
def enrolling(components, browser, clock, mail):
    person = new_person(components, browser, clock)
    start_and_confirm_email(browser, mail, person.account.email)
    save_profile(browser)
    return person


def test_the_size_limit_is_stated_before_any_upload(enrolling, browser):
    page = browser.get("/enrolment/documents")
    assert "JPEG, PNG or PDF, 64 KB at most" in page.text


def test_a_file_over_the_limit_answers_413_naming_it_and_keeps_what_was_typed(
    enrolling, browser, components
):
    too_big = JPEG + b"\x00" * DOCUMENT_LIMIT
    answer = upload(browser, 1, too_big, "passport.jpg", document_number="XY999")
    assert answer.status_code == 413
    assert "larger than 64 KB" in answer.text
    assert 'value="XY999"' in answer.text
    with transaction(components) as db:
        (document,) = db.scalars(select(EnrolmentDocument))
        assert document.document_number == "XY999"  # the details are saved: nothing lost
        assert document.uploaded_at is None
        assert db.scalar(select(EnrolmentFile)) is None


def test_files_are_recognised_by_content_not_by_name(enrolling, browser, components):
    fake = upload(browser, 1, b"MZ\x90\x00 not an image", "passport.jpg")
    assert fake.status_code == 400
    assert "not a JPEG, PNG or PDF" in fake.text
    png_named_pdf = upload(browser, 1, PNG, "scan.pdf")
    assert png_named_pdf.status_code == 303
    with transaction(components) as db:
        (document,) = db.scalars(select(EnrolmentDocument))
        assert document.media_type == "image/png"


def test_a_document_without_a_file_is_refused_beside_the_file_field(enrolling, browser):
    answer = upload(browser, 2, b"", "")
    assert answer.status_code == 400
    assert 'id="file-2-error"' in answer.text


def test_wrong_details_are_named_and_a_good_file_is_kept(enrolling, browser, components):
    answer = upload(browser, 1, PDF, "passport.pdf", expiry="soon", document_type="library_card")
    assert answer.status_code == 400
    assert 'id="expiry-1-error"' in answer.text
    assert 'id="document_type-1-error"' in answer.text
    assert 'value="soon"' in answer.text
    with transaction(components) as db:
        assert db.scalar(select(EnrolmentFile)) is not None


def test_the_language_switch_on_refused_details_keeps_the_error_and_what_was_typed(
    enrolling, browser
):
    assert upload(browser, 1, JPEG, "passport.jpg").status_code == 303  # a file beside it
    issuer = "Ministry of Transportation of Ontario, " * 3  # 117 characters: over the limit
    refused = upload(browser, 2, PDF, "licence.pdf", issuer=issuer)
    assert refused.status_code == 400
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert '<html lang="fr">' in french.text
    assert 'id="issuer-2-error"' in french.text
    assert "Trop long\u00a0: 100 caractères au maximum." in french.text
    assert f'value="{issuer}"' in french.text
    assert "passport.jpg" in french.text  # the other document's file, as before the switch


def test_files_are_sealed_per_document_and_bound_to_it(enrolling, browser, components, settings):
    upload(browser, 1, JPEG, "passport.jpg")
    upload(browser, 2, JPEG, "licence.jpg")
    master = MasterKey.from_b64url(settings.master_key.get_secret_value())
    with transaction(components) as db:
        files = {f.document_id: f.sealed for f in db.scalars(select(EnrolmentFile))}
    assert len(files) == 2
    (first, one), (second, two) = files.items()
    assert JPEG[:64] not in one
    assert JPEG[:64] not in two
    sealed_one, sealed_two = SealedDocument.from_bytes(one), SealedDocument.from_bytes(two)
    assert sealed_one.wrapped_key != sealed_two.wrapped_key  # a data key per document
    assert open_document(master, sealed_one, first.encode()) == JPEG
    with pytest.raises(SealBroken):
        open_document(master, sealed_one, second.encode())  # moved to another row


def test_the_owner_opens_each_file_and_every_opening_is_recorded(enrolling, browser, components):
    upload(browser, 1, JPEG, "passport.jpg")
    upload(browser, 2, PDF, "licence.pdf")
    page = browser.get("/enrolment/documents")
    links = [part.split('"')[0] for part in page.text.split('href="/enrolment/documents/file/')[1:]]
    assert len(links) == 2
    opened = [browser.get(f"/enrolment/documents/file/{link}") for link in links]
    assert [o.headers["content-type"] for o in opened] == ["image/jpeg", "application/pdf"]
    assert opened[0].content == JPEG
    assert opened[1].headers["cache-control"] == "no-store"
    assert opened[0].headers["x-content-type-options"] == "nosniff"
    with transaction(components) as db:
        reads = list(db.scalars(select(DocumentRead)))
    assert [r.reader_role for r in reads] == ["owner", "owner"]
    assert "Who opened your documents" in browser.get("/enrolment/documents").text


def test_nobody_else_opens_a_file(enrolling, browser, components, clock, officer_browser):
    upload(browser, 1, JPEG, "passport.jpg")
    with transaction(components) as db:
        document_id = db.scalar(select(EnrolmentDocument.id))
    new_person(components, officer_browser, clock)  # a stranger, with an enrolment too
    officer_browser.post("/enrolment/start", data={"csrf_token": any_csrf(officer_browser)})
    refused = officer_browser.get(f"/enrolment/documents/file/{document_id}")
    assert refused.status_code == 404
    not_an_officer = officer_browser.get(f"/officer/enrolments/x/documents/{document_id}")
    assert not_an_officer.status_code == 403
    with transaction(components) as db:
        assert db.scalar(select(DocumentRead)) is None


def test_magic_numbers():
    assert sniff_media_type(JPEG) == "image/jpeg"
    assert sniff_media_type(PNG) == "image/png"
    assert sniff_media_type(PDF) == "application/pdf"
    assert sniff_media_type(b"GIF89a") is None


def _request(chunks: list[bytes], consumed: list[int]) -> Request:
    boundary = "XyZ"
    body = iter(chunks)

    async def receive():
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": True}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
    }
    return Request(scope, receive)


def test_an_endless_upload_is_read_in_chunks_and_abandoned_past_the_limits():
    head = (
        b'--XyZ\r\nContent-Disposition: form-data; name="document_number"\r\n\r\nAB1\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff"
    )
    chunks = [head] + [b"\x00" * 1024] * 10_000  # 10 MB that never ends
    consumed: list[int] = []
    reading = read_upload(_request(chunks, consumed), 4096, drain_limit=8192)
    # In a thread of its own: a browser test in this worker may hold the main thread's loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        upload = thread.submit(asyncio.run, reading).result()
    assert upload.too_large
    assert upload.data is None
    assert upload.fields == {"document_number": "AB1"}
    assert sum(consumed) <= 4096 + 8192 + 2048  # stopped reading, a chunk past the limit


def test_a_nul_character_in_a_detail_or_the_file_name_is_refused_naming_it(enrolling, browser):
    typed = upload(browser, 1, JPEG, "passport.jpg", name_on_document="Amara\x00Okafor")
    assert typed.status_code == 400, typed.text[-300:]
    assert "NUL" in typed.text
    boundary = "nul-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{any_csrf(browser)}\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="pass\x00port.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + JPEG
        + f"\r\n--{boundary}--\r\n".encode()
    )
    named = browser.post(
        "/enrolment/documents/1",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert named.status_code == 400, named.text[-300:]
    assert "NUL" in named.text
