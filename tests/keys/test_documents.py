"""Documents encrypted at rest: a fresh data key per document, wrapped by the master key."""

from __future__ import annotations

import pytest

from keys import MasterKey, SealBroken, SealedDocument, open_document, seal_document
from keys.documents import WRAPPED_KEY_BYTES
from keys.envelope import open_sealed

MASTER = MasterKey.generate()
PASSPORT = b"%PDF-1.7 a scanned passport page" * 100
AAD = b"document:0f3c|owner:rep-sub"


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 1]) + data[index + 1 :]


def test_a_sealed_document_opens_with_the_master_key_and_its_aad():
    sealed = seal_document(MASTER, PASSPORT, AAD)
    assert PASSPORT not in sealed.to_bytes()
    assert open_document(MASTER, sealed, AAD) == PASSPORT


def test_the_stored_form_round_trips_with_a_version_byte():
    sealed = seal_document(MASTER, PASSPORT, AAD)
    stored = sealed.to_bytes()
    assert stored[:1] == b"\x01"
    assert len(sealed.wrapped_key) == WRAPPED_KEY_BYTES
    assert SealedDocument.from_bytes(stored) == sealed
    assert open_document(MASTER, SealedDocument.from_bytes(stored), AAD) == PASSPORT


def test_an_empty_document_round_trips():
    assert open_document(MASTER, seal_document(MASTER, b"", AAD), AAD) == b""


def test_another_aad_does_not_open_it():
    sealed = seal_document(MASTER, PASSPORT, AAD)
    with pytest.raises(SealBroken) as error:
        open_document(MASTER, sealed, b"document:other|owner:rep-sub")
    assert error.value.code == "seal_broken"


def test_another_master_key_does_not_open_it():
    with pytest.raises(SealBroken):
        open_document(MasterKey.generate(), seal_document(MASTER, PASSPORT, AAD), AAD)


@pytest.mark.parametrize("part", ["wrapped_key", "ciphertext"])
@pytest.mark.parametrize("where", [0, 20, -1])
def test_a_tampered_document_does_not_open(part, where):
    sealed = seal_document(MASTER, PASSPORT, AAD)
    value = getattr(sealed, part)
    tampered = _flip(value, where % len(value))
    changed = SealedDocument(
        **{"wrapped_key": sealed.wrapped_key, "ciphertext": sealed.ciphertext, part: tampered}
    )
    with pytest.raises(SealBroken):
        open_document(MASTER, changed, AAD)


def test_two_documents_get_different_data_keys():
    first, second = seal_document(MASTER, PASSPORT, AAD), seal_document(MASTER, PASSPORT, AAD)
    assert first.wrapped_key != second.wrapped_key
    assert first.ciphertext != second.ciphertext
    # Swapping the wrapped keys opens neither: each document has its own data key.
    with pytest.raises(SealBroken):
        open_document(MASTER, SealedDocument(second.wrapped_key, first.ciphertext), AAD)


@pytest.mark.parametrize("stored", [b"", b"\x01", b"\x02" + bytes(200), b"\x01" + bytes(60)])
def test_truncated_or_unknown_stored_forms_are_refused(stored):
    with pytest.raises(SealBroken):
        open_document(MASTER, SealedDocument.from_bytes(stored), AAD)


def test_a_document_is_not_an_envelope_of_another_kind():
    stored = seal_document(MASTER, PASSPORT, AAD).to_bytes()
    with pytest.raises(SealBroken):
        open_sealed(MASTER, stored, AAD)


@pytest.mark.parametrize(
    ("wrapped_key", "ciphertext"), [(b"short", bytes(40)), (bytes(WRAPPED_KEY_BYTES), b"")]
)
def test_a_document_of_the_wrong_shape_is_refused(wrapped_key, ciphertext):
    with pytest.raises(SealBroken):
        open_document(MASTER, SealedDocument(wrapped_key, ciphertext), AAD)
