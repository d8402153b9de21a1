"""The sample portal's checks on the provider's JWTs, with keys made here (no server)."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey

from sample_portal.tokens import (
    BACKCHANNEL_LOGOUT_EVENT,
    TokenRejected,
    current_actor,
    verify_id_token,
    verify_logout_token,
    verify_security_event,
)

ISSUER = "http://127.0.0.1:8000"
CLIENT = "portal-client"
KEY = ECKey.generate_key("P-256", parameters={"kid": "k1"})
KEYS = KeySet([KEY])


def _sign(claims, typ=None, key=KEY, alg="ES256"):
    header = {"alg": alg, "kid": "k1"}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, claims, key)


def _logout_claims(lifetime=120, **changes):
    now = int(time.time())  # at test time: parameters are built when the suite is collected
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "iat": now,
        "exp": now + lifetime,
        "jti": "j1",
        "sid": "s1",
        "sub": "u1",
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _id_claims(**changes):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u1", "iat": now, "exp": now + 600, "nonce": "n"}
    claims.update(changes)
    return claims


def test_a_valid_logout_token_names_the_session_and_the_subject():
    logout = verify_logout_token(
        _sign(_logout_claims(), "logout+jwt"), KEYS, issuer=ISSUER, client_id=CLIENT
    )
    assert (logout.sid, logout.sub, logout.jti) == ("s1", "u1", "j1")


@pytest.mark.parametrize(
    ("changes", "typ", "reason"),
    [
        ({"nonce": "n"}, "logout+jwt", "nonce"),
        ({"events": {"other": {}}}, "logout+jwt", "events"),
        ({"sid": None, "sub": None}, "logout+jwt", "sid/sub"),
        ({"aud": "another-portal"}, "logout+jwt", "claims"),
        ({"iss": "https://elsewhere.example"}, "logout+jwt", "claims"),
        ({"lifetime": -600}, "logout+jwt", "claims"),
        ({}, "JWT", "typ"),  # an ID token is never a logout token
    ],
)
def test_a_logout_token_failing_a_check_is_rejected_naming_it(changes, typ, reason):
    token = _sign(_logout_claims(**changes), typ)
    with pytest.raises(TokenRejected) as rejected:
        verify_logout_token(token, KEYS, issuer=ISSUER, client_id=CLIENT)
    assert rejected.value.reason.startswith(reason)


def test_a_token_signed_with_a_shared_secret_is_rejected():
    forged = _sign(_logout_claims(), "logout+jwt", key=OctKey.generate_key(256), alg="HS256")
    with pytest.raises(TokenRejected, match="signature"):
        verify_logout_token(forged, KEYS, issuer=ISSUER, client_id=CLIENT)


def test_an_id_token_must_carry_the_nonce_of_this_sign_in():
    token = _sign(_id_claims())
    assert verify_id_token(token, KEYS, issuer=ISSUER, client_id=CLIENT, nonce="n")["sub"] == "u1"
    with pytest.raises(TokenRejected, match="nonce"):
        verify_id_token(token, KEYS, issuer=ISSUER, client_id=CLIENT, nonce="other")


def test_an_id_token_for_several_audiences_must_name_this_portal_as_azp():
    token = _sign(_id_claims(aud=[CLIENT, "other"]))
    with pytest.raises(TokenRejected, match="azp"):
        verify_id_token(token, KEYS, issuer=ISSUER, client_id=CLIENT, nonce="n")


def test_a_security_event_needs_its_type_and_an_event():
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT, "iat": now, "jti": "e1", "events": {"x": {}}}
    assert verify_security_event(
        _sign(claims, "secevent+jwt"), KEYS, issuer=ISSUER, client_id=CLIENT
    )
    with pytest.raises(TokenRejected, match="events"):
        verify_security_event(
            _sign({**claims, "events": {}}, "secevent+jwt"), KEYS, issuer=ISSUER, client_id=CLIENT
        )


def test_only_the_current_actor_is_read():
    claims = {"sub": "applicant", "act": {"sub": "rep", "act": {"sub": "earlier"}}}
    assert current_actor(claims) == "rep"
    assert current_actor({"sub": "applicant"}) is None
