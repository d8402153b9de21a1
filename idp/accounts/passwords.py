"""Password hashing with argon2id (NIST SP 800-63B section 5.1.1.2; OWASP parameters).

Defaults are OWASP's floor (19 MiB, 2 passes, 1 lane); hashes made with weaker
parameters are upgraded at the next successful sign-in (`needs_rehash`). Verification of
an unknown account still runs one hash, so timing does not reveal which emails exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused (NIST SP 800-63B 5.1.1.2), or None.

    Length and a list of common and breached passwords; no composition rules. Returns a
    code: `too_short`, `too_long`, `common`, `contains_identity`.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return "common"
    local = email.split("@", 1)[0].lower()
    if (local and len(local) >= 4 and local in lowered) or (name and name.lower() == lowered):
        return "contains_identity"
    return None


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
