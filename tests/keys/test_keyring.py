"""Signing keys: creation, rotation, JWKS, the Keyring cache, signing and verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from keys import (
    InvalidToken,
    KeyNotFound,
    Keyring,
    MasterKey,
    check_time_claims,
    ensure_signing_keys,
    prune_retired_keys,
    public_jwks,
    rotate_signing_keys,
    sign_jwt,
    verify_jwt,
)
from tests.conftest import TEST_MASTER_KEY

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PRIVATE = {"d", "p", "q", "dp", "dq", "qi"}


def _kids(session):
    return {k["kid"]: k for k in public_jwks(session, NOW)["keys"]}


def test_template_database_holds_a_current_and_a_next_key_per_algorithm(db_session):
    keys = public_jwks(db_session, NOW)["keys"]
    assert sorted(k["alg"] for k in keys) == ["ES256", "ES256", "RS256", "RS256"]


def test_ensure_is_idempotent(db_session):
    before = _kids(db_session)
    ensure_signing_keys(db_session, TEST_MASTER_KEY, ("ES256", "RS256"), NOW)
    assert _kids(db_session) == before


def test_jwks_entries_are_public_and_complete(db_session):
    for key in public_jwks(db_session, NOW)["keys"]:
        assert not PRIVATE & set(key)
        assert key["kid"]
        assert key["use"] == "sig"
        assert key["alg"] in ("ES256", "RS256")


def test_signed_token_verifies_with_the_published_keys(db_session):
    keyring = Keyring(TEST_MASTER_KEY)
    key = keyring.signing_key(db_session, "ES256")
    token = sign_jwt(key, {"sub": "a", "exp": 2_000_000_000}, typ="at+jwt")
    header, claims = verify_jwt(token, keyring.verification_keys(db_session, NOW), ["ES256"])
    assert header == {"alg": "ES256", "kid": key.kid, "typ": "at+jwt"}
    assert claims["sub"] == "a"


def test_rotation_promotes_the_key_already_published_as_next(db_session):
    published = set(_kids(db_session))
    promoted = rotate_signing_keys(db_session, TEST_MASTER_KEY, ("ES256",), NOW, 600)
    assert set(promoted) <= published
    after = _kids(db_session)
    assert published <= set(after)  # the retired key stays published
    assert len(after) == len(published) + 1  # plus a new next key


def test_retired_key_verifies_until_its_tokens_expire_then_disappears(db_session):
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=0)
    old = keyring.signing_key(db_session, "ES256")
    token = sign_jwt(old, {"sub": "a", "exp": 2_000_000_000})
    rotate_signing_keys(db_session, TEST_MASTER_KEY, ("ES256",), NOW, 600)
    assert keyring.signing_key(db_session, "ES256").kid != old.kid
    verify_jwt(
        token, keyring.verification_keys(db_session, NOW + timedelta(seconds=599)), ["ES256"]
    )
    later = NOW + timedelta(seconds=601)
    assert old.kid not in {k["kid"] for k in public_jwks(db_session, later)["keys"]}
    assert prune_retired_keys(db_session, later) == 1
    with pytest.raises(InvalidToken):
        verify_jwt(token, keyring.verification_keys(db_session, later), ["ES256"])


def test_keyring_picks_up_another_processes_rotation_after_refresh(db_session):
    ticks = [0.0]
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=5, monotonic=lambda: ticks[0])
    before = keyring.signing_key(db_session, "ES256")
    rotate_signing_keys(db_session, TEST_MASTER_KEY, ("ES256",), NOW, 600)
    assert keyring.signing_key(db_session, "ES256").kid == before.kid  # cached
    ticks[0] = 6
    assert keyring.signing_key(db_session, "ES256").kid != before.kid


def test_unknown_kid_refreshes_the_verification_keys_at_once(db_session):
    ticks = [0.0]
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=300, monotonic=lambda: ticks[0])
    keyring.verification_keys(db_session, NOW)
    before = set(_kids(db_session))
    rotate_signing_keys(db_session, TEST_MASTER_KEY, ("ES256",), NOW, 600)
    (new_next,) = set(_kids(db_session)) - before
    keys = keyring.verification_keys(db_session, NOW, kid=new_next)
    assert keys.get_by_kid(new_next)


def test_missing_algorithm_is_key_not_found(db_session):
    with pytest.raises(KeyNotFound) as error:
        Keyring(TEST_MASTER_KEY).signing_key(db_session, "EdDSA")
    assert error.value.code == "key_not_found"


def test_wrong_master_key_cannot_open_the_private_keys(db_session):
    from keys import SealBroken

    with pytest.raises(SealBroken):
        Keyring(MasterKey.generate()).signing_key(db_session, "ES256")


def test_foreign_signature_is_rejected(db_session):
    stranger = ECKey.generate_key("P-256", parameters={"kid": "x"})
    token = jwt.encode({"alg": "ES256", "kid": "x"}, {"sub": "a"}, stranger)
    with pytest.raises(InvalidToken):
        verify_jwt(token, Keyring(TEST_MASTER_KEY).verification_keys(db_session, NOW), ["ES256"])


def test_algorithm_outside_the_allowed_list_is_rejected(db_session):
    keyring = Keyring(TEST_MASTER_KEY)
    token = sign_jwt(keyring.signing_key(db_session, "RS256"), {"sub": "a"})
    with pytest.raises(InvalidToken):
        verify_jwt(token, keyring.verification_keys(db_session, NOW), ["ES256"])


@pytest.mark.parametrize("garbage", ["", "a.b.c", "not a jwt", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_is_invalid_token(db_session, garbage):
    with pytest.raises(InvalidToken):
        verify_jwt(garbage, Keyring(TEST_MASTER_KEY).verification_keys(db_session, NOW), ["ES256"])


def test_signing_key_repr_shows_no_key_material(db_session):
    key = Keyring(TEST_MASTER_KEY).signing_key(db_session, "RS256")
    assert repr(key) == f"SigningKey(kid={key.kid!r}, alg='RS256')"


def test_time_claims_are_checked():
    now = NOW.timestamp()
    check_time_claims({"exp": int(now) + 10}, NOW)
    with pytest.raises(InvalidToken) as expired:
        check_time_claims({"exp": int(now)}, NOW)
    assert expired.value.code == "token_expired"
    with pytest.raises(InvalidToken) as early:
        check_time_claims({"exp": int(now) + 100, "nbf": int(now) + 50}, NOW)
    assert early.value.code == "token_not_yet_valid"
