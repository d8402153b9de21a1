"""Double submits on an enrolment (a double click, two tabs): starting twice at once leaves
one open enrolment, the same for both requests; two uploads to one empty slot at once keep
one document, the later file (both backends)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from idp.enrolment.documents import save_document
from idp.enrolment.models import Enrolment, EnrolmentDocument
from idp.enrolment.profile import DocumentDetails
from idp.enrolment.service import OPEN_STATUSES, start_enrolment
from idp.enrolment.uploads import Upload
from tests.concurrency import run_together
from tests.conftest import TEST_MASTER_KEY
from tests.factories.idp import make_account, transaction
from tests.idp.enrolment.journey import DOCUMENTS, JPEG


def test_two_starts_at_once_share_one_open_enrolment(components):
    account = make_account(components)
    now = components.clock.now()
    first_started = threading.Event()

    def start(hold: bool):
        def job() -> str:
            with transaction(components) as db:
                if not hold:
                    first_started.wait(10)  # the other start is inside its transaction
                enrolment = start_enrolment(db, account, now)
                if hold:
                    first_started.set()
                    threading.Event().wait(0.5)  # the second start now waits for this one
                return enrolment.id

        return job

    results = run_together(start(True), start(False))
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results[0] == results[1]
    with transaction(components) as db:
        open_count = db.scalar(
            select(func.count()).where(
                Enrolment.account_id == account.id,
                Enrolment.status.in_([s.value for s in OPEN_STATUSES]),
            )
        )
    assert open_count == 1


def test_two_uploads_to_one_empty_slot_at_once_keep_one_document(components):
    account = make_account(components)
    now = components.clock.now()
    with transaction(components) as db:
        enrolment = start_enrolment(db, account, now)
    first_saved = threading.Event()

    def upload(hold: bool, name: str):
        def job() -> dict[str, str]:
            with transaction(components) as db:
                if not hold:
                    first_saved.wait(10)
                errors = save_document(
                    db,
                    TEST_MASTER_KEY,
                    enrolment,
                    1,
                    DocumentDetails(**DOCUMENTS[1]),
                    Upload(file_name=name, data=JPEG),
                    now,
                )
                if hold:
                    first_saved.set()
                    threading.Event().wait(0.5)
                return errors

        return job

    results = run_together(upload(True, "first.jpg"), upload(False, "second.jpg"))
    assert results == [{}, {}], results
    with transaction(components) as db:
        documents = list(
            db.scalars(
                select(EnrolmentDocument).where(EnrolmentDocument.enrolment_id == enrolment.id)
            )
        )
    assert [(d.slot, d.file_name) for d in documents] == [(1, "second.jpg")]
