"""End to end: portal profiles synced into a running server, one person signing in to
portals of two sectors and a public one, with authlib's OAuth client as each portal.

Two pairwise portals of one sector see the same `sub`; a portal of another sector sees
another; a public portal sees the account's public `sub` (OpenID Connect Core §8).
"""

from __future__ import annotations

import json
import secrets
import shutil

import pytest
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from adapters.portals.loader import PROFILES_FOLDER
from tests.e2e.servers import browser_client
from tests.idp.flows import follow_to_redirect_uri, sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "e2e long password"


def _profiles(folder):
    """Alberta, a second Alberta portal (same sector), British Columbia, and IRCC (public)."""
    for slug in ("ainp", "bc-pnp", "ircc-portal"):
        shutil.copy(PROFILES_FOLDER / f"{slug}.toml", folder / f"{slug}.toml")
    text = (PROFILES_FOLDER / "ainp.toml").read_text()
    text = text.replace('slug = "ainp"', 'slug = "ainp-payments"')
    text = text.replace('en = "Alberta Advantage', 'en = "Payments of the Alberta Advantage')
    text = text.replace('fr = "Programme d', 'fr = "Paiements du programme d')
    (folder / "ainp-payments.toml").write_text(text)
    return folder


def _id_token_sub(server, browser, registration, redirect_uri, keys, email):
    portal = OAuth2Client(
        client_id=registration["client_id"],
        client_secret=registration["client_secret"],
        redirect_uri=redirect_uri,
        scope="openid profile",
        code_challenge_method="S256",
    )
    verifier = secrets.token_urlsafe(48)
    metadata = browser.get("/.well-known/openid-configuration").json()
    url, state = portal.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, nonce="n"
    )
    first = browser.get(url.removeprefix(server.url))
    if first.status_code == 303 and first.headers["location"].startswith("/login"):
        first = sign_in(browser, first.headers["location"], email, PASSWORD)
    final = follow_to_redirect_uri(browser, first)
    assert final.headers["location"].startswith(redirect_uri), final.text[:500]
    token = portal.fetch_token(
        metadata["token_endpoint"],
        authorization_response=final.headers["location"],
        code_verifier=verifier,
        state=state,
    )
    portal.close()
    return jwt.decode(token["id_token"], keys, algorithms=["RS256"]).claims["sub"]


def test_synced_portals_see_one_sub_per_sector(idp_server, tmp_path):
    folder = _profiles(tmp_path)
    email = f"pairwise-{secrets.token_hex(4)}@example.ca"
    person = idp_server.cli(
        "users", "create", "--email", email, "--password", PASSWORD, "--name", "Nadia Roy"
    )
    synced = idp_server.cli("portals", "sync", "--folder", str(folder))
    registrations = {p["slug"]: p for p in synced["portals"]}
    assert {p["action"] for p in registrations.values()} == {"created"}
    subs = {}
    with browser_client(idp_server.url) as browser:
        keys = KeySet.import_key_set(browser.get("/jwks").json())
        for slug in ("ainp", "ainp-payments", "bc-pnp", "ircc-portal"):
            host = "ainp" if slug == "ainp-payments" else slug
            redirect = f"https://{host}.example/oidc/callback"
            subs[slug] = _id_token_sub(
                idp_server, browser, registrations[slug], redirect, keys, email
            )
    assert subs["ainp"] == subs["ainp-payments"]
    assert subs["ainp"] != subs["bc-pnp"]
    assert subs["ircc-portal"] == person["sub"]
    assert person["sub"] not in (subs["ainp"], subs["bc-pnp"])
    again = idp_server.cli("portals", "sync", "--folder", str(folder))
    assert {p["action"] for p in again["portals"]} == {"unchanged"}
    assert json.dumps(again).count("client_secret") == 0
