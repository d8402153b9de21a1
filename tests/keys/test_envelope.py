"""Envelope encryption: round trips, and every tampering is detected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keys import InvalidMasterKey, MasterKey, SealBroken, open_sealed, seal

MASTER = MasterKey.generate()


@given(plaintext=st.binary(max_size=2048), aad=st.binary(max_size=64))
def test_sealed_values_open_to_the_same_bytes(plaintext, aad):
    assert open_sealed(MASTER, seal(MASTER, plaintext, aad), aad) == plaintext


def test_sealing_twice_gives_different_ciphertexts():
    assert seal(MASTER, b"same", b"kid") != seal(MASTER, b"same", b"kid")


@pytest.mark.parametrize("offset", [0, 1, 14, 40, 62, 70, -1])
def test_any_flipped_byte_breaks_the_seal(offset):
    sealed = bytearray(seal(MASTER, b"private key", b"kid"))
    sealed[offset] ^= 0x01
    with pytest.raises(SealBroken) as error:
        open_sealed(MASTER, bytes(sealed), b"kid")
    assert error.value.code == "seal_broken"


def test_another_aad_breaks_the_seal():
    with pytest.raises(SealBroken):
        open_sealed(MASTER, seal(MASTER, b"x", b"kid-1"), b"kid-2")


def test_another_master_key_breaks_the_seal():
    with pytest.raises(SealBroken):
        open_sealed(MasterKey.generate(), seal(MASTER, b"x", b"kid"), b"kid")


def test_truncated_value_breaks_the_seal():
    with pytest.raises(SealBroken):
        open_sealed(MASTER, seal(MASTER, b"x", b"kid")[:20], b"kid")


def test_master_key_round_trips_through_base64url():
    assert MasterKey.from_b64url(MASTER.to_b64url()) == MASTER


@pytest.mark.parametrize("text", ["", "not base64 at all!", "c2hvcnQ"])
def test_malformed_master_key_names_the_variable(text):
    with pytest.raises(InvalidMasterKey, match="IDP_MASTER_KEY") as error:
        MasterKey.from_b64url(text)
    assert error.value.code == "invalid_master_key"


def test_master_key_repr_hides_the_secret():
    assert MASTER.to_b64url() not in repr(MASTER)
    assert str(MASTER.secret) not in repr(MASTER)


def test_derived_keys_are_stable_per_purpose_and_differ_across_purposes():
    first = MASTER.derive(b"pairwise subjects v1")
    assert first == MASTER.derive(b"pairwise subjects v1")
    assert len(first) == 32
    assert first != MASTER.derive(b"another purpose")
    assert first != MasterKey.generate().derive(b"pairwise subjects v1")
    assert first != MASTER.secret


def test_a_derived_key_needs_a_purpose():
    with pytest.raises(ValueError, match="purpose"):
        MASTER.derive(b"")
