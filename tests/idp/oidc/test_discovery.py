"""Discovery and JWKS: what is advertised exists, and no private key material leaks."""

from __future__ import annotations

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def test_discovery_advertises_the_endpoints_under_the_issuer(portal):
    metadata = portal.get("/.well-known/openid-configuration").json()
    assert metadata["issuer"] == "https://testserver"
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        assert metadata[name].startswith("https://testserver/")
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["authorization_response_iss_parameter_supported"] is True
    assert set(metadata["ui_locales_supported"]) == {"en", "fr"}
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
    }


def test_every_advertised_endpoint_answers(portal):
    metadata = portal.get("/.well-known/openid-configuration").json()
    for name in ("authorization_endpoint", "userinfo_endpoint", "jwks_uri", "end_session_endpoint"):
        path = metadata[name].removeprefix("https://testserver")
        assert portal.get(path).status_code != 404, name
    for name in ("token_endpoint", "introspection_endpoint", "revocation_endpoint"):
        path = metadata[name].removeprefix("https://testserver")
        assert portal.post(path, data={}).status_code in (400, 401), name


def test_jwks_publishes_public_keys_with_kid_alg_and_use(portal):
    response = portal.get("/jwks")
    assert response.headers["content-type"].startswith("application/jwk-set+json")
    keys = response.json()["keys"]
    assert {k["alg"] for k in keys} >= {"ES256", "RS256"}
    for key in keys:
        assert key["kid"]
        assert key["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(key)
