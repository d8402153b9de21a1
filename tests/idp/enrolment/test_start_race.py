"""Double submits on an enrolment (a double click, two tabs): starting twice at once leaves
one open enrolment, the same for both requests; two uploads to one empty slot at once keep
one document, the later file (both backends)."""

from __future__ import annotations

from sqlalchemy import func, select

from idp.enrolment.documents import save_document
from idp.enrolment.models import Enrolment, EnrolmentDocument
from idp.enrolment.profile import DocumentDetails
from idp.enrolment.service import OPEN_STATUSES, start_enrolment
from idp.enrolment.uploads import Upload
from tests.concurrency import run_overlapping
from tests.conftest import TEST_MASTER_KEY
from tests.factories.idp import make_account, transaction
from tests.idp.enrolment.journey import DOCUMENTS, JPEG


def test_two_starts_at_once_share_one_open_enrolment(components):
    account = make_account(components)
    now = components.clock.now()

    def start(_n, written) -> str:
        with transaction(components) as db:
            enrolment = start_enrolment(db, account, now)
            written()
            return enrolment.id

    first, second = run_overlapping(start)
    assert isinstance(first, str)
    assert second == first
    with transaction(components) as db:
        open_ones = select(func.count()).where(
            Enrolment.account_id == account.id,
            Enrolment.status.in_([s.value for s in OPEN_STATUSES]),
        )
        assert db.scalar(open_ones) == 1


def test_two_uploads_to_one_empty_slot_at_once_keep_one_document(components):
    account = make_account(components)
    now = components.clock.now()
    with transaction(components) as db:
        enrolment = start_enrolment(db, account, now)

    def upload(n, written) -> dict[str, str]:
        with transaction(components) as db:
            details = DocumentDetails(**DOCUMENTS[1])
            file = Upload(file_name=f"file-{n}.jpg", data=JPEG)
            errors = save_document(db, TEST_MASTER_KEY, enrolment, 1, details, file, now)
            written()
            return errors

    assert run_overlapping(upload) == [{}, {}]
    with transaction(components) as db:
        documents = db.scalars(
            select(EnrolmentDocument).where(EnrolmentDocument.enrolment_id == enrolment.id)
        )
        assert [(d.slot, d.file_name) for d in documents] == [(1, "file-1.jpg")]
