"""Password hashing with argon2id (NIST SP 800-63B section 5.1.1.2; OWASP parameters).

Defaults are OWASP's floor (19 MiB, 2 passes, 1 lane); hashes made with weaker
parameters are upgraded at the next successful sign-in (`needs_rehash`). Verification of
an unknown account still runs one hash, so timing does not reveal which emails exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    memory_kib: int = 19456
    time_cost: int = 2
    parallelism: int = 1


class Passwords:
    def __init__(self, policy: PasswordPolicy) -> None:
        self._hasher = PasswordHasher(
            time_cost=policy.time_cost,
            memory_cost=policy.memory_kib,
            parallelism=policy.parallelism,
        )
        self._dummy_hash = self._hasher.hash("timing equaliser for unknown accounts")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; always costs one argon2 verification."""
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
