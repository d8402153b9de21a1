"""Pairwise subjects everywhere a subject leaves for a portal, and back (OIDC Core §8).

One person, four portals: two of the Alberta sector, one of Manitoba, one public. Each
portal receives the `sub` of its sector in ID tokens, userinfo, access and refresh
tokens, introspection, logout tokens, delegation events, token exchange and the portal
API, and every `sub` it sends back is read through the same pairing.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy import select

from idp.outbox.delivery import body_at_delivery
from idp.outbox.models import OutboxMessage
from tests.factories.idp import grant_delegation, make_account, transaction
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    authorize_code,
    csrf_of,
    portal_client,
    portal_token,
    redeem,
    register_application,
)

ACCESS = "urn:ietf:params:oauth:token-type:access_token"
EVENTS = "https://portal.example/events"
BACKCHANNEL = "https://portal.example/backchannel"


def pairwise_portal(components, sector):
    return portal_client(
        components,
        subject_type="pairwise",
        sector_identifier=sector,
        events_uri=EVENTS,
        backchannel_logout_uri=BACKCHANNEL,
    )


def delivered_bodies(components, url):
    """The bodies the outbox would post to `url` now (its tokens are signed at delivery)."""
    with transaction(components) as db:
        messages = db.scalars(select(OutboxMessage).where(OutboxMessage.url == url)).all()
        now = components.clock.now()
        return [body_at_delivery(db, components.keyring, m, now) for m in messages]


def claims_of(http, token):
    return jwt.decode(token, KeySet.import_key_set(http.get("/jwks").json())).claims


def signed_in(browser, portal, client, secret, email, scope="openid offline_access"):
    request = authorization_request(client.client_id, scope=scope)
    code = authorize_code(browser, request, email)["code"]
    return redeem(portal, code, request.verifier, client.client_id, secret).json()


def test_one_person_has_one_sub_per_sector(components, browser, portal):
    person = make_account(components)
    portals = {
        "alberta": pairwise_portal(components, "ainp.example"),
        "alberta_payments": pairwise_portal(components, "ainp.example"),
        "manitoba": pairwise_portal(components, "mpnp.example"),
        "public": portal_client(components),
    }
    subs = {}
    for name, (client, secret) in portals.items():
        tokens = signed_in(browser, portal, client, secret, person.email)
        subs[name] = claims_of(portal, tokens["id_token"])["sub"]
        assert claims_of(portal, tokens["access_token"])["sub"] == subs[name]
        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert portal.get("/userinfo", headers=bearer).json()["sub"] == subs[name]
        refresh = portal.post(
            "/introspect", data={"token": tokens["refresh_token"]}, auth=(client.client_id, secret)
        ).json()
        assert refresh["sub"] == subs[name]
    assert subs["alberta"] == subs["alberta_payments"]
    assert subs["alberta"] != subs["manitoba"]
    assert subs["public"] == person.subject
    assert person.subject not in (subs["alberta"], subs["manitoba"])


def test_a_hint_or_a_claims_sub_names_the_person_by_the_portals_sub(components, browser, portal):
    person = make_account(components)
    client, secret = pairwise_portal(components, "ainp.example")
    id_token = signed_in(browser, portal, client, secret, person.email)["id_token"]
    pairwise = claims_of(portal, id_token)["sub"]
    asked = {
        "hint": {"id_token_hint": id_token},
        "pairwise sub": {"claims": json.dumps({"id_token": {"sub": {"value": pairwise}}})},
        "public sub": {"claims": json.dumps({"id_token": {"sub": {"value": person.subject}}})},
    }
    answers = {}
    for name, extra in asked.items():
        request = authorization_request(client.client_id, prompt="none", **extra)
        location = browser.get("/authorize?" + request.query).headers["location"]
        answers[name] = parse_qs(location.split("?", 1)[1])
    assert "code" in answers["hint"]
    assert "code" in answers["pairwise sub"]
    assert answers["public sub"]["error"] == ["login_required"]  # not a sub this portal knows


def test_a_logout_token_names_the_person_as_the_portal_knows_them(components, browser, portal):
    person = make_account(components)
    client, secret = pairwise_portal(components, "ainp.example")
    sub = claims_of(portal, signed_in(browser, portal, client, secret, person.email)["id_token"])[
        "sub"
    ]
    page = browser.get("/account/sessions")
    browser.post("/account/sessions/end", data={"sid": "everywhere", "csrf_token": csrf_of(page)})
    (body,) = delivered_bodies(components, BACKCHANNEL)
    logout_token = parse_qs(body)["logout_token"][0]
    assert claims_of(portal, logout_token)["sub"] == sub


def _appoint(components, applicant, rep, application_id):
    grant_delegation(components, applicant, rep, [application_id], accept=True)


def test_the_portal_api_events_and_token_exchange_speak_the_portals_subs(
    components, app, browser, portal
):
    applicant, rep = make_account(components), make_account(components)
    client, secret = pairwise_portal(components, "ainp.example")
    applicant_sub = claims_of(
        portal, signed_in(browser, portal, client, secret, applicant.email)["id_token"]
    )["sub"]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as rep_browser:
        rep_tokens = signed_in(rep_browser, portal, client, secret, rep.email, scope="openid")
    rep_sub = claims_of(portal, rep_tokens["access_token"])["sub"]
    api = portal_token(portal, client, secret)
    # The portal names the applicant by its own sub; the public one means nothing to it.
    refused = register_application(portal, api, applicant.subject, "AB-1")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "applicant"
    created = register_application(portal, api, applicant_sub, "AB-1")
    assert created.status_code == 201, created.text
    assert created.json()["applicant_sub"] == applicant_sub
    listed = portal.get("/api/applications", headers={"Authorization": f"Bearer {api}"}).json()
    assert [a["applicant_sub"] for a in listed] == [applicant_sub]

    _appoint(components, applicant, rep, created.json()["id"])
    events = delivered_bodies(components, EVENTS)
    assert events
    for event in events:
        (payload,) = claims_of(portal, event)["events"].values()
        assert (payload["principal"], payload["actor"]) == (applicant_sub, rep_sub)

    def decision(actor_sub):
        body = {"actor_sub": actor_sub, "action": "application.read", "application_number": "AB-1"}
        headers = {"Authorization": f"Bearer {api}"}
        return portal.post("/api/decisions", json=body, headers=headers).json()

    assert decision(rep_sub)["allowed"] is True
    assert decision(rep.subject) == {
        "allowed": False,
        "reason": "no_delegation",
        "delegation_id": None,
    }

    details = [
        {"type": "passerelle_application", "application": "AB-1", "actions": ["application.read"]}
    ]
    exchanged = portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": rep_tokens["access_token"],
            "subject_token_type": ACCESS,
            "authorization_details": json.dumps(details),
        },
        auth=(client.client_id, secret),
    )
    assert exchanged.status_code == 200, exchanged.text
    token = exchanged.json()["access_token"]
    claims = claims_of(portal, token)
    assert (claims["sub"], claims["act"]) == (applicant_sub, {"sub": rep_sub})
    introspected = portal.post(
        "/introspect", data={"token": token}, auth=(client.client_id, secret)
    ).json()
    assert (introspected["sub"], introspected["act"]) == (applicant_sub, {"sub": rep_sub})
