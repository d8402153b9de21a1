"""Legacy password hashes: the PBKDF2-SHA256 formats older portals export, verified with
`hashlib.pbkdf2_hmac` (no passlib).

Accepted formats (RFC 8018 PBKDF2 with HMAC-SHA256):
- Django: `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>` (the salt is text).
- passlib: `$pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 digest>` (ab64: base64 with
  `.` for `+`, unpadded).

Iterations are bounded (`MIN_ITERATIONS`..`MAX_ITERATIONS`) so an imported row cannot make
one verification cost seconds. A person without a usable hash costs one verification at
`DUMMY_ITERATIONS` anyway, so timing does not say which usernames exist or have one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

MIN_ITERATIONS = 1_000
MAX_ITERATIONS = 2_000_000
DUMMY_ITERATIONS = 600_000  # Django 4.2's default: about what a real legacy hash costs
MAX_SALT_LENGTH = 128
DIGEST_BYTES = 32
FORMATS = "pbkdf2_sha256$<iterations>$<salt>$<hash> or $pbkdf2-sha256$<iterations>$<salt>$<hash>"


@dataclass(frozen=True, slots=True)
class LegacyHash:
    iterations: int
    salt: bytes
    digest: bytes


def _ab64(value: str) -> bytes:
    text = value.replace(".", "+")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _iterations(value: str) -> int:
    if not value.isdigit() or not MIN_ITERATIONS <= int(value) <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be {MIN_ITERATIONS} to {MAX_ITERATIONS}")
    return int(value)


def parse_legacy_hash(value: str) -> LegacyHash:
    """The hash's parameters; `ValueError` naming what is wrong otherwise."""
    parts = value.split("$")
    try:
        if len(parts) == 4 and parts[0] == "pbkdf2_sha256":
            salt, digest = parts[2].encode(), base64.b64decode(parts[3], validate=True)
        elif len(parts) == 5 and parts[:2] == ["", "pbkdf2-sha256"]:
            salt, digest = _ab64(parts[3]), _ab64(parts[4])
        else:
            raise ValueError(f"unsupported format; accepted: {FORMATS}")
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("the salt or hash is not valid base64") from None
    iterations = _iterations(parts[1] if parts[0] else parts[2])
    if not salt or len(salt) > MAX_SALT_LENGTH or len(digest) != DIGEST_BYTES:
        raise ValueError(f"the salt must be 1 to {MAX_SALT_LENGTH} bytes, the hash 32 bytes")
    return LegacyHash(iterations, salt, digest)


def verify_legacy_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; always costs one PBKDF2 run."""
    try:
        parsed = parse_legacy_hash(stored) if stored else None
    except ValueError:
        parsed = None
    if parsed is None:
        hashlib.pbkdf2_hmac("sha256", password.encode(), b"no legacy hash", DUMMY_ITERATIONS)
        return False
    candidate = hashlib.pbkdf2_hmac("sha256", password.encode(), parsed.salt, parsed.iterations)
    return hmac.compare_digest(candidate, parsed.digest)


def make_legacy_hash(password: str, salt: str, iterations: int = DUMMY_ITERATIONS) -> str:
    """A Django-format hash (tests, the benchmark and examples make their exports with it)."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"
