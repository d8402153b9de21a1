"""A portal registered from a profile receives only the claims its profile lists, in its
ID tokens and at UserInfo; a client without a profile receives what its scopes release.

The service runs here with a profiles folder of two portals: the shipped IRCC portal and
`narrow-portal`, whose scopes grant `email` while its `claims` list leaves it out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from adapters.portals.loader import PROFILES_FOLDER
from idp.settings import Settings
from tests.conftest import Backend, make_settings
from tests.factories.idp import make_account, make_client, make_profile_client
from tests.idp.flows import authorization_request, authorize_code, redeem

NARROW_CALLBACK = "https://narrow.example/oidc/callback"
NARROW_PROFILE = f"""
slug = "narrow-portal"
subject_type = "public"
first_party = false
representatives_allowed = false
delegated_actions = []
token_endpoint_auth_method = "client_secret_basic"
grant_types = ["authorization_code", "refresh_token"]
scopes = ["openid", "profile", "email", "offline_access"]
claims = ["sub", "name", "locale"]
redirect_uris = ["{NARROW_CALLBACK}"]
post_logout_redirect_uris = ["https://narrow.example/signed-out"]

[names]
en = "Narrow portal"
fr = "Portail étroit"

[description]
en = "A portal told only the person's name and language."
fr = "Un portail qui ne reçoit que le nom et la langue de la personne."

[statuses]
"""
PROTOCOL_CLAIMS = ("iss", "aud", "azp", "exp", "iat", "auth_time", "acr", "amr", "sid")


@pytest.fixture
def profiles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(PROFILES_FOLDER / "ircc-portal.toml", folder / "ircc-portal.toml")
    (folder / "narrow-portal.toml").write_text(NARROW_PROFILE, encoding="utf-8")
    return folder


@pytest.fixture
def settings(
    backend: Backend,
    database_url: str,
    tmp_path: Path,
    smtp_inbox: tuple[str, object],
    profiles_dir: Path,
) -> Settings:
    return make_settings(
        backend, database_url, tmp_path, smtp_url=smtp_inbox[0], portal_profiles_dir=profiles_dir
    )


def _signed_in_tokens(components, browser, portal, client, secret, callback, scope):
    account = make_account(components, locale="fr")
    request = authorization_request(
        client.client_id, scope=scope, **({"redirect_uri": callback} if callback else {})
    )
    code = authorize_code(browser, request, account.email)["code"]
    extra = {"redirect_uri": callback} if callback else {}
    response = redeem(portal, code, request.verifier, client.client_id, secret, **extra)
    assert response.status_code == 200, response.text
    body = response.json()
    keys = KeySet.import_key_set(portal.get("/jwks").json())
    id_token = jwt.decode(body["id_token"], keys).claims
    userinfo = portal.get("/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert userinfo.status_code == 200, userinfo.text
    return account, request, id_token, userinfo.json()


def test_a_profile_client_gets_no_claim_its_profile_leaves_out(
    components, browser, portal, profiles_dir
):
    client, secret = make_profile_client(components, "narrow-portal", profiles_dir)
    account, request, id_token, userinfo = _signed_in_tokens(
        components, browser, portal, client, secret, NARROW_CALLBACK, "openid profile email"
    )
    for released in (id_token, userinfo):
        # `email` is granted by the scope, but the profile does not list it.
        assert "email" not in released
        assert "email_verified" not in released
        assert "updated_at" not in released
        assert released["sub"] == account.subject
        assert released["name"] == account.name
        assert released["locale"] == "fr"
    assert set(userinfo) == {"sub", "name", "locale"}
    # The ID token's protocol claims are never the profile's to leave out.
    for name in PROTOCOL_CLAIMS:
        assert name in id_token, name
    assert id_token["nonce"] == request.params["nonce"]
    assert "at_hash" in id_token


def test_a_shipped_profile_client_gets_its_listed_claims_and_no_other(components, browser, portal):
    client, secret = make_profile_client(components, "ircc-portal")
    callback = "https://ircc-portal.example/oidc/callback"
    account, _, id_token, userinfo = _signed_in_tokens(
        components, browser, portal, client, secret, callback, "openid profile email"
    )
    for released in (id_token, userinfo):
        assert released["email"] == account.email
        assert released["email_verified"] is True
        assert released["name"] == account.name
        # The profile scope releases `updated_at`, which the IRCC portal's profile leaves out.
        assert "updated_at" not in released
    assert set(userinfo) == {"sub", "name", "email", "email_verified", "locale"}


def test_a_client_without_a_profile_keeps_what_its_scopes_release(components, browser, portal):
    client, secret = make_client(components, scope="openid profile email offline_access")
    account, _, id_token, userinfo = _signed_in_tokens(
        components, browser, portal, client, secret, None, "openid profile email"
    )
    for released in (id_token, userinfo):
        assert released["email"] == account.email
        assert released["updated_at"] == int(account.updated_at.timestamp())
