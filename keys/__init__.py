"""Key material: signing keys, their rotation and JWKS, envelope encryption at rest.

- `envelope.py`: `MasterKey`, `seal`, `open_sealed` (AES-256-GCM envelopes).
- `keyring.py`: key lifecycle (`ensure_signing_keys`, `rotate_signing_keys`,
  `prune_retired_keys`), `public_jwks`, the `Keyring` cache, `sign_jwt`, `verify_jwt`.
- `models.py`: the `keys_signing_keys` table and this package's `metadata`.
- `errors.py`: `KeyringError` and its subclasses.

Imports nothing else of ours.
"""

from keys.envelope import MasterKey, open_sealed, seal
from keys.errors import InvalidMasterKey, InvalidToken, KeyNotFound, KeyringError, SealBroken
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
    "SealBroken",
    "SigningKey",
    "check_time_claims",
    "ensure_signing_keys",
    "kid_of",
    "metadata",
    "open_sealed",
    "prune_retired_keys",
    "public_jwks",
    "rotate_signing_keys",
    "seal",
    "sign_jwt",
    "signing_keys",
    "verify_jwt",
]
