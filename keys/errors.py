"""Errors of the keys package; each carries a stable snake_case `code`.

KeyringError
├── InvalidMasterKey  (invalid_master_key)  IDP_MASTER_KEY is not 32 base64url bytes
├── SealBroken        (seal_broken)         ciphertext tampered, wrong key or wrong aad
├── KeyNotFound       (key_not_found)       no current signing key for an algorithm
├── RotationTooEarly  (rotation_too_early)  the next key is not yet published long enough
└── InvalidToken      (invalid_token, token_expired, token_not_yet_valid)
"""

from __future__ import annotations


class KeyringError(Exception):
    code = "keyring_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidMasterKey(KeyringError):
    code = "invalid_master_key"


class SealBroken(KeyringError):
    code = "seal_broken"


class KeyNotFound(KeyringError):
    code = "key_not_found"


class InvalidToken(KeyringError):
    code = "invalid_token"


class RotationTooEarly(KeyringError):
    code = "rotation_too_early"

    def __init__(self, message: str, *, wait_seconds: int) -> None:
        super().__init__(message)
        self.wait_seconds = wait_seconds
