"""Envelope encryption at rest (AES-256-GCM) under the master key.

Each sealed item gets a fresh 256-bit data key; the item is encrypted under the data key
and the data key is wrapped under the master key, both with AES-256-GCM and 96-bit random
nonces (NIST SP 800-38D). The caller's `aad` (a key id, a document id) is bound to both
layers, so a ciphertext cannot be moved to another row. `MasterKey.derive` gives
keys for other purposes (the pairwise-subject key). Format, version 1:
`b"\\x01" | wrap_nonce(12) | wrapped_key(48) | nonce(12) | ciphertext+tag`.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from keys.errors import InvalidMasterKey, SealBroken

VERSION = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32
WRAPPED_KEY_BYTES = KEY_BYTES + 16
HEADER_BYTES = 1 + NONCE_BYTES + WRAPPED_KEY_BYTES + NONCE_BYTES


@dataclass(frozen=True, slots=True)
class MasterKey:
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise InvalidMasterKey("IDP_MASTER_KEY must be 32 bytes, base64url-encoded")

    def __repr__(self) -> str:
        return "MasterKey(<hidden>)"

    @classmethod
    def generate(cls) -> MasterKey:
        return cls(os.urandom(KEY_BYTES))

    @classmethod
    def from_b64url(cls, text: str) -> MasterKey:
        try:
            raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        except (binascii.Error, ValueError):
            raise InvalidMasterKey(
                "IDP_MASTER_KEY is not base64url; generate one with `idp keys master`"
            ) from None
        return cls(raw)

    def to_b64url(self) -> str:
        return base64.urlsafe_b64encode(self.secret).rstrip(b"=").decode()

    def derive(self, purpose: bytes, length: int = KEY_BYTES) -> bytes:
        """A key for one purpose only (HKDF-SHA256, RFC 5869, `purpose` as its info): the
        master key itself never leaves envelope encryption, and keys of two purposes are
        unrelated to whoever holds one of them."""
        if not purpose:
            raise ValueError("a derived key needs a purpose")
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose).derive(
            self.secret
        )


def seal(master: MasterKey, plaintext: bytes, aad: bytes) -> bytes:
    data_key = AESGCM.generate_key(bit_length=256)
    wrap_nonce, nonce = os.urandom(NONCE_BYTES), os.urandom(NONCE_BYTES)
    wrapped = AESGCM(master.secret).encrypt(wrap_nonce, data_key, VERSION + aad)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, VERSION + aad)
    return VERSION + wrap_nonce + wrapped + nonce + ciphertext


def open_sealed(master: MasterKey, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) < HEADER_BYTES + 16 or sealed[:1] != VERSION:
        raise SealBroken("sealed value is truncated or of an unknown version")
    offset = 1
    wrap_nonce = sealed[offset : offset + NONCE_BYTES]
    offset += NONCE_BYTES
    wrapped = sealed[offset : offset + WRAPPED_KEY_BYTES]
    offset += WRAPPED_KEY_BYTES
    nonce = sealed[offset : offset + NONCE_BYTES]
    ciphertext = sealed[offset + NONCE_BYTES :]
    try:
        data_key = AESGCM(master.secret).decrypt(wrap_nonce, wrapped, VERSION + aad)
        return AESGCM(data_key).decrypt(nonce, ciphertext, VERSION + aad)
    except InvalidTag:
        raise SealBroken("sealed value failed authentication") from None
