"""Documents encrypted at rest: a fresh data key per document, wrapped by the master key.

The identity documents a representative uploads (DESIGN.md section 6, issue 9 item 2) are
each encrypted under their own random 256-bit data key with AES-256-GCM (NIST SP 800-38D,
96-bit random nonces); the data key is itself sealed under the master key. The two parts
are kept apart in `SealedDocument` (`wrapped_key`, `ciphertext`): a master-key rotation
can re-wrap the 60-byte key alone, never re-encrypting a document. The caller's `aad` (the
document's id, its owner) is bound to both layers, with a label that keeps a document
envelope from being taken for a `keys.envelope.seal` one. Stored form, version 1:
`b"\\x01" | wrap_nonce(12) | wrapped data key(32 + 16 tag) | nonce(12) | ciphertext+tag`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.envelope import KEY_BYTES, NONCE_BYTES, MasterKey
from keys.errors import SealBroken

DOCUMENT_VERSION = b"\x01"
TAG_BYTES = 16
WRAPPED_KEY_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES
MIN_STORED_BYTES = 1 + WRAPPED_KEY_BYTES + NONCE_BYTES + TAG_BYTES
_KEY_LABEL = b"passerelle/document-key/v1\x00"
_DATA_LABEL = b"passerelle/document/v1\x00"


@dataclass(frozen=True, slots=True)
class SealedDocument:
    wrapped_key: bytes  # wrap nonce | the data key sealed under the master key
    ciphertext: bytes  # nonce | the document sealed under the data key

    def to_bytes(self) -> bytes:
        return DOCUMENT_VERSION + self.wrapped_key + self.ciphertext

    @classmethod
    def from_bytes(cls, stored: bytes) -> SealedDocument:
        if stored[:1] != DOCUMENT_VERSION or len(stored) < MIN_STORED_BYTES:
            raise SealBroken("sealed document is truncated or of an unknown version")
        return cls(stored[1 : 1 + WRAPPED_KEY_BYTES], stored[1 + WRAPPED_KEY_BYTES :])


def seal_document(master: MasterKey, data: bytes, aad: bytes) -> SealedDocument:
    """Encrypt `data` under a new data key; wrap that key under the master key."""
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(master.secret).encrypt(wrap_nonce, data_key, _KEY_LABEL + aad)
    ciphertext = AESGCM(data_key).encrypt(nonce, data, _DATA_LABEL + aad)
    return SealedDocument(wrap_nonce + wrapped, nonce + ciphertext)


def open_document(master: MasterKey, sealed: SealedDocument, aad: bytes) -> bytes:
    """The document, or `SealBroken` (wrong master key or aad, or altered bytes)."""
    wrapped, ciphertext = sealed.wrapped_key, sealed.ciphertext
    if len(wrapped) != WRAPPED_KEY_BYTES or len(ciphertext) < NONCE_BYTES + TAG_BYTES:
        raise SealBroken("sealed document is truncated")
    try:
        data_key = AESGCM(master.secret).decrypt(
            wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _KEY_LABEL + aad
        )
        return AESGCM(data_key).decrypt(
            ciphertext[:NONCE_BYTES], ciphertext[NONCE_BYTES:], _DATA_LABEL + aad
        )
    except InvalidTag:
        raise SealBroken("sealed document failed authentication") from None
