"""Per-document envelope encryption: a fresh AES-256-GCM data key per document, wrapped by
the master key.

TEMPORARY (TODO(#9)): `keys.seal_document` / `keys.open_document` are being added to
`keys/` with exactly these signatures; once they land, import them from `keys` and delete
this module. The format here is only read by this module, and every document sealed with
it is re-readable by `open_document` below until then.

Format, version 1: `b"\\x01" | len(wrapped key) (2 bytes, big-endian) | wrapped key |
nonce (12) | ciphertext + tag`. The wrapped key is `keys.seal(master, data_key, aad)`; the
document is encrypted under the data key with the same `aad` (the document's id), so a
sealed file cannot be moved to another document's row.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys import MasterKey, SealBroken, open_sealed, seal

VERSION = b"\x01"
NONCE_BYTES = 12
LENGTH_BYTES = 2


@dataclass(frozen=True, slots=True)
class SealedDocument:
    wrapped_key: bytes
    nonce: bytes
    ciphertext: bytes

    def to_bytes(self) -> bytes:
        size = len(self.wrapped_key).to_bytes(LENGTH_BYTES, "big")
        return VERSION + size + self.wrapped_key + self.nonce + self.ciphertext

    @classmethod
    def from_bytes(cls, raw: bytes) -> SealedDocument:
        if raw[:1] != VERSION or len(raw) < 1 + LENGTH_BYTES:
            raise SealBroken("sealed document is truncated or of an unknown version")
        size = int.from_bytes(raw[1 : 1 + LENGTH_BYTES], "big")
        start = 1 + LENGTH_BYTES
        wrapped = raw[start : start + size]
        nonce = raw[start + size : start + size + NONCE_BYTES]
        ciphertext = raw[start + size + NONCE_BYTES :]
        if len(wrapped) != size or len(nonce) != NONCE_BYTES or not ciphertext:
            raise SealBroken("sealed document is truncated")
        return cls(wrapped, nonce, ciphertext)


def seal_document(master: MasterKey, data: bytes, aad: bytes) -> SealedDocument:
    data_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, data, VERSION + aad)
    return SealedDocument(seal(master, data_key, aad), nonce, ciphertext)


def open_document(master: MasterKey, sealed: SealedDocument, aad: bytes) -> bytes:
    data_key = open_sealed(master, sealed.wrapped_key, aad)
    try:
        return AESGCM(data_key).decrypt(sealed.nonce, sealed.ciphertext, VERSION + aad)
    except InvalidTag:
        raise SealBroken("sealed document failed authentication") from None
