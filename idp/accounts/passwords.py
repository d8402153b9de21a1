"""Password hashing with argon2id (NIST SP 800-63B section 5.1.1.2; RFC 9106 section 4).

Defaults are RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes), which is
also argon2-cffi's own default profile (`argon2.profiles.RFC_9106_LOW_MEMORY`): NIST asks
for a cost "as large as practical", and a national identity service can afford a quarter
of a CPU-second per sign-in. The settings refuse anything below OWASP's floor (19 MiB,
2 passes, 1 lane). Hashes made with other parameters are upgraded at the next successful
sign-in (`needs_rehash`). Verification of an unknown account still runs one hash, so
timing does not reveal which emails exist.

At most `in_flight` hashes run at once in a process (each holds `memory_kib` while it
runs): a burst of sign-ins waits its turn instead of taking a pool's worth of 64 MiB.
"""

from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY

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


def _unmatchable_hash(hasher: PasswordHasher) -> str:
    """An encoded argon2id hash at `hasher`'s parameters with a random salt and a random
    digest: no password matches it, verifying against it costs one full hash (the timing
    equaliser for unknown accounts), and making it costs nothing (a process or a CLI
    command does not start with a 64 MiB hash)."""

    def b64(size: int) -> str:
        return base64.b64encode(os.urandom(size)).decode().rstrip("=")

    return (
        f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
        f"${b64(hasher.salt_len)}${b64(hasher.hash_len)}"
    )


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    memory_kib: int = RFC_9106_LOW_MEMORY.memory_cost
    time_cost: int = RFC_9106_LOW_MEMORY.time_cost
    parallelism: int = RFC_9106_LOW_MEMORY.parallelism
    in_flight: int = 2


class Passwords:
    def __init__(self, policy: PasswordPolicy) -> None:
        self._hasher = PasswordHasher(
            time_cost=policy.time_cost,
            memory_cost=policy.memory_kib,
            parallelism=policy.parallelism,
        )
        self._slots = threading.BoundedSemaphore(policy.in_flight)
        self._dummy_hash = _unmatchable_hash(self._hasher)

    def hash(self, password: str) -> str:
        with self._slots:
            return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; always costs one argon2 verification."""
        try:
            with self._slots:
                matched = self._hasher.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return matched and bool(password_hash)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
