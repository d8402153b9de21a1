"""Key material: signing keys, their rotation and JWKS, envelope encryption at rest.

- `envelope.py`: `MasterKey`, `seal`, `open_sealed` (AES-256-GCM envelopes).
- `documents.py`: `seal_document`, `open_document`, `SealedDocument` (a data key per
  stored document, wrapped by the master key).
- `keyring.py`: key lifecycle (`ensure_signing_keys`, `rotate_signing_keys`,
  `prune_retired_keys`), `public_jwks`, the `Keyring` cache, `sign_jwt`, `verify_jwt`.
- `models.py`: the `keys_signing_keys` table and this package's `metadata`.
- `errors.py`: `KeyringError` and its subclasses.

Imports nothing else of ours.
"""

from keys.documents import SealedDocument, open_document, seal_document
from keys.envelope import MasterKey, open_sealed, seal
from keys.errors import (
    InvalidMasterKey,
    InvalidToken,
    KeyNotFound,
    KeyringError,
    RotationTooEarly,
    SealBroken,
)
from keys.keyring import (
    Keyring,
    SigningKey,
    check_time_claims,
    ensure_signing_keys,
    kid_of,
    prune_retired_keys,
    public_jwks,
    rotate_signing_keys,
    sign_jwt,
    verify_jwt,
)
from keys.models import NAMING_CONVENTION, metadata, signing_keys

__all__ = [
    "NAMING_CONVENTION",
    "InvalidMasterKey",
    "InvalidToken",
    "KeyNotFound",
    "Keyring",
    "KeyringError",
    "MasterKey",
    "RotationTooEarly",
    "SealBroken",
    "SealedDocument",
    "SigningKey",
    "check_time_claims",
    "ensure_signing_keys",
    "kid_of",
    "metadata",
    "open_document",
    "open_sealed",
    "prune_retired_keys",
    "public_jwks",
    "rotate_signing_keys",
    "seal",
    "seal_document",
    "sign_jwt",
    "signing_keys",
    "verify_jwt",
]
