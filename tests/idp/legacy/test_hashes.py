"""Legacy password hashes: PBKDF2-SHA256 in Django's and passlib's formats, bounded."""

from __future__ import annotations

import pytest

from idp.legacy.hashes import (
    MAX_ITERATIONS,
    make_legacy_hash,
    parse_legacy_hash,
    verify_legacy_password,
)

# Made by passlib's pbkdf2_sha256 (29,000 rounds) for the password "test".
PASSLIB_HASH = (
    "$pbkdf2-sha256$29000$cq7Vurd2bq2Vco5xrpWSEg$7jqKYez24totET6cOs3v5xnXKcirjOq9qQIzZhOwTwU"
)


def test_a_django_hash_verifies_its_password_only():
    stored = make_legacy_hash("old portal password", "salt1234", 1_000)
    assert verify_legacy_password(stored, "old portal password")
    assert not verify_legacy_password(stored, "old portal passwore")


def test_a_passlib_hash_verifies_its_password_only():
    assert verify_legacy_password(PASSLIB_HASH, "test")
    assert not verify_legacy_password(PASSLIB_HASH, "Test")


def test_no_hash_never_verifies():
    assert not verify_legacy_password(None, "")
    assert not verify_legacy_password("md5$abc$def", "anything")


@pytest.mark.parametrize(
    ("stored", "named"),
    [
        ("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "unsupported format"),
        (f"pbkdf2_sha256${MAX_ITERATIONS + 1}$salt$" + "A" * 44, "iterations"),
        ("pbkdf2_sha256$10$salt$" + "A" * 44, "iterations"),
        ("pbkdf2_sha256$1000$salt$not-base64!", "base64"),
        ("pbkdf2_sha256$1000$salt$AAAA", "32 bytes"),
    ],
)
def test_a_hash_that_cannot_be_verified_safely_is_refused_with_a_reason(stored, named):
    with pytest.raises(ValueError, match=named):
        parse_legacy_hash(stored)
