"""Signing keys: creation, rotation, JWKS, the Keyring cache, signing and verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from idp.db import create_session_factory
from keys import (
    InvalidToken,
    KeyNotFound,
    Keyring,
    MasterKey,
    RotationTooEarly,
    check_time_claims,
    ensure_signing_keys,
    prune_retired_keys,
    public_jwks,
    rotate_signing_keys,
    sign_jwt,
    signing_keys,
    verify_jwt,
)
from tests.concurrency import run_together
from tests.conftest import TEST_MASTER_KEY

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PRIVATE = {"d", "p", "q", "dp", "dq", "qi"}
JWKS_CACHE_SECONDS = 300


def _kids(session, now=NOW):
    return {k["kid"]: k for k in public_jwks(session, now)["keys"]}


def published_for(session, seconds=JWKS_CACHE_SECONDS):
    """The moment every key published so far has been in the JWKS for `seconds`."""
    newest = session.scalar(select(func.max(signing_keys.c.created_at)))
    return newest.replace(tzinfo=UTC) + timedelta(seconds=seconds)


def rotate(session, now, *, retire_after=600, min_published=JWKS_CACHE_SECONDS, algs=("ES256",)):
    return rotate_signing_keys(
        session, TEST_MASTER_KEY, algs, now, retire_after, min_published_seconds=min_published
    )


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
    promoted = rotate(db_session, published_for(db_session))
    assert set(promoted) <= published
    after = _kids(db_session)
    assert published <= set(after)  # the retired key stays published
    assert len(after) == len(published) + 1  # plus a new next key


def test_retired_key_verifies_until_its_tokens_expire_then_disappears(db_session):
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=0)
    old = keyring.signing_key(db_session, "ES256")
    token = sign_jwt(old, {"sub": "a", "exp": 2_000_000_000})
    at = published_for(db_session)
    rotate(db_session, at)
    assert keyring.signing_key(db_session, "ES256").kid != old.kid
    verify_jwt(token, keyring.verification_keys(db_session, at + timedelta(seconds=599)), ["ES256"])
    later = at + timedelta(seconds=601)
    assert old.kid not in {k["kid"] for k in public_jwks(db_session, later)["keys"]}
    assert prune_retired_keys(db_session, later) == 1
    with pytest.raises(InvalidToken):
        verify_jwt(token, keyring.verification_keys(db_session, later), ["ES256"])


def test_keyring_picks_up_another_processes_rotation_after_refresh(db_session):
    ticks = [0.0]
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=5, monotonic=lambda: ticks[0])
    before = keyring.signing_key(db_session, "ES256")
    rotate(db_session, published_for(db_session))
    assert keyring.signing_key(db_session, "ES256").kid == before.kid  # cached
    ticks[0] = 6
    assert keyring.signing_key(db_session, "ES256").kid != before.kid


def test_unknown_kid_refreshes_the_verification_keys_at_once(db_session):
    ticks = [0.0]
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=300, monotonic=lambda: ticks[0])
    keyring.verification_keys(db_session, NOW)
    before = set(_kids(db_session))
    rotate(db_session, published_for(db_session))
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


def test_rotation_refuses_a_next_key_published_less_than_the_jwks_cache_time(db_session):
    before = _kids(db_session)
    too_soon = published_for(db_session, seconds=JWKS_CACHE_SECONDS - 40)
    with pytest.raises(RotationTooEarly) as error:
        rotate(db_session, too_soon)
    assert error.value.code == "rotation_too_early"
    assert error.value.wait_seconds == 40
    assert "rotate again in 40s" in error.value.message
    assert _kids(db_session) == before


def test_a_second_rotation_right_after_the_first_is_refused(db_session):
    at = published_for(db_session)
    (promoted,) = rotate(db_session, at)
    with pytest.raises(RotationTooEarly):
        rotate(db_session, at + timedelta(seconds=JWKS_CACHE_SECONDS - 1))
    assert rotate(db_session, at + timedelta(seconds=JWKS_CACHE_SECONDS)) != [promoted]


def test_rotation_promotes_only_when_every_algorithm_is_ready(db_session):
    at = published_for(db_session)
    rotate(db_session, at)  # ES256 gets a fresh next key, RS256 does not
    before = _live(db_session)
    with pytest.raises(RotationTooEarly):
        rotate(db_session, at + timedelta(seconds=1), algs=("RS256", "ES256"))
    assert _live(db_session) == before


def _live(session, alg=None):
    rows = session.execute(
        select(signing_keys.c.alg, signing_keys.c.state, signing_keys.c.kid).where(
            signing_keys.c.state.in_(("current", "next"))
        )
    ).all()
    return sorted((r.alg, r.state, r.kid) for r in rows if alg in (None, r.alg))


def _insert_key(connection, kid, state, alg="ES256"):
    connection.execute(
        insert(signing_keys).values(
            kid=kid,
            alg=alg,
            use="sig",
            state=state,
            public_jwk="{}",
            private_key_sealed=b"",
            created_at=NOW,
        )
    )


@pytest.mark.parametrize("state", ["current", "next"])
def test_the_database_holds_one_current_and_one_next_key_per_algorithm(db_engine, state):
    with pytest.raises(IntegrityError), db_engine.begin() as connection:
        _insert_key(connection, "second", state)
    with db_engine.begin() as connection:  # retired keys are many; other algorithms too
        _insert_key(connection, "old-1", "retired")
        _insert_key(connection, "old-2", "retired")
        _insert_key(connection, "eddsa", state, alg="EdDSA")


def _fresh_factory(db_engine):
    factory = create_session_factory(db_engine)
    with factory() as session, session.begin():
        session.execute(delete(signing_keys))
    return factory


def _real_only(backend):
    if not backend.is_real:
        pytest.skip("row and advisory locks are PostgreSQL's; SQLite has one writer")


def test_two_rotations_at_once_leave_one_current_key_published_before_use(backend, db_engine):
    _real_only(backend)
    factory = create_session_factory(db_engine)
    with factory() as session:
        at, published = published_for(session), set(_kids(session))

    def rotation():
        with factory() as session, session.begin():
            return rotate(session, at)

    outcomes = run_together(rotation, rotation)
    assert sorted(type(o).__name__ for o in outcomes) == ["RotationTooEarly", "list"]
    with factory() as session:
        live = _live(session, "ES256")
    (current,) = [kid for _, state, kid in live if state == "current"]
    assert [state for _, state, _ in live] == ["current", "next"]
    assert current in published  # published before it signs


def test_two_first_starts_at_once_create_one_current_and_one_next_key(backend, db_engine):
    _real_only(backend)
    factory = _fresh_factory(db_engine)

    def first_start():
        with factory() as session, session.begin():
            ensure_signing_keys(session, TEST_MASTER_KEY, ("ES256", "RS256"), NOW)

    assert run_together(first_start, first_start, first_start) == [None, None, None]
    with factory() as session:
        states = sorted((alg, state) for alg, state, _ in _live(session))
        assert states == [
            ("ES256", "current"),
            ("ES256", "next"),
            ("RS256", "current"),
            ("RS256", "next"),
        ]
        assert Keyring(TEST_MASTER_KEY).signing_key(session, "ES256")  # the winner's keys open


def test_a_remembered_verification_ends_when_its_key_is_no_longer_published(db_session):
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=0)
    old = keyring.signing_key(db_session, "ES256")
    token = sign_jwt(old, {"sub": "a", "exp": 2_000_000_000})
    at = published_for(db_session)
    assert keyring.verify(db_session, token, ["ES256"], at)[1]["sub"] == "a"
    assert keyring.verify(db_session, token, ["ES256"], at)[1]["sub"] == "a"  # remembered
    rotate(db_session, at)
    later = at + timedelta(seconds=601)
    prune_retired_keys(db_session, later)
    with pytest.raises(InvalidToken):
        keyring.verify(db_session, token, ["ES256"], later)


def test_a_remembered_verification_is_a_copy_the_caller_cannot_change(db_session):
    keyring = Keyring(TEST_MASTER_KEY, refresh_seconds=0)
    token = sign_jwt(keyring.signing_key(db_session, "ES256"), {"sub": "a", "exp": 2_000_000_000})
    _, claims = keyring.verify(db_session, token, ["ES256"], NOW)
    claims["sub"] = "mallory"
    assert keyring.verify(db_session, token, ["ES256"], NOW)[1]["sub"] == "a"
