"""The `claims` request parameter (OIDC Core 5.5) and verified claims (OpenID Connect for
Identity Assurance 1.0) of approved representatives; the `representative` scope; the
representative in delegated tokens' `act`."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient

from consent import DelegationKind
from tests.factories.idp import connect, grant_delegation, make_account, make_representative
from tests.idp.enrolment.journey import signed_in_with_second_factor
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    authorize_code,
    portal_client,
    portal_token,
    query_of,
    redeem,
    register_application,
)

ACCESS = "urn:ietf:params:oauth:token-type:access_token"
VERIFIED = {
    "verified_claims": {
        "verification": {
            "trust_framework": None,
            "time": None,
            "verification_process": None,
            "evidence": [{"type": {"value": "document"}}],
        },
        "claims": {"name": None, "birthdate": None},
    }
}
SCOPE = "openid profile email representative"


def _payload(jwt: str) -> dict:
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _tokens(components, browser, portal, account, claims=None, scope=SCOPE):
    client, secret = portal_client(components, scope=SCOPE + " applications:write")
    extra = {"claims": json.dumps(claims)} if claims is not None else {}
    request = authorization_request(client.client_id, scope=scope, **extra)
    code = authorize_code(browser, request, account.email)["code"]
    return redeem(portal, code, request.verifier, client.client_id, secret).json()


def test_an_approved_representative_carries_verified_claims_when_asked(components, browser, portal):
    rep = make_account(components, name="Amrit Kaur Sandhu")
    make_representative(components, rep)
    tokens = _tokens(components, browser, portal, rep, {"id_token": VERIFIED, "userinfo": VERIFIED})
    id_token = _payload(tokens["id_token"])
    verified = id_token["verified_claims"]
    assert verified["verification"]["trust_framework"] == "ca_passerelle_representative"
    assert verified["verification"]["verification_process"] == "EN-TEST-0001"
    assert verified["verification"]["time"].endswith("Z")
    assert verified["verification"]["evidence"] == [
        {
            "type": "document",
            "document_details": {
                "type": "passport",
                "issuer": {"name": "Canada"},
                "date_of_expiry": "2031-05-01",
            },
        },
        {
            "type": "document",
            "document_details": {
                "type": "driving_permit",
                "issuer": {"name": "Ontario"},
                "date_of_expiry": "2029-09-30",
            },
        },
    ]
    assert verified["claims"] == {"name": "Amrit Kaur Sandhu"}  # birthdate was not verified
    info = portal.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert info["verified_claims"] == verified


def test_verified_claims_go_only_where_they_were_asked_for(components, browser, portal):
    rep = make_account(components)
    make_representative(components, rep)
    tokens = _tokens(components, browser, portal, rep, {"userinfo": VERIFIED})
    assert "verified_claims" not in _payload(tokens["id_token"])
    info = portal.get("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert "verified_claims" in info.json()
    plain = _tokens(components, browser, portal, rep)
    assert "verified_claims" not in _payload(plain["id_token"])


def test_only_the_requested_verification_elements_are_returned(components, browser, portal):
    rep = make_account(components)
    make_representative(components, rep)
    minimal = {"verification": {"trust_framework": None}, "claims": {"name": None}}
    tokens = _tokens(components, browser, portal, rep, {"id_token": {"verified_claims": minimal}})
    verification = _payload(tokens["id_token"])["verified_claims"]["verification"]
    assert verification == {"trust_framework": "ca_passerelle_representative"}


def test_another_trust_framework_or_a_person_not_approved_gets_no_verified_claims(
    components, browser, portal
):
    rep = make_account(components)
    make_representative(components, rep)
    eidas = {
        "verification": {"trust_framework": {"value": "eidas"}},
        "claims": {"name": None},
    }
    tokens = _tokens(components, browser, portal, rep, {"id_token": {"verified_claims": eidas}})
    assert "verified_claims" not in _payload(tokens["id_token"])
    applicant = make_account(components)
    with TestClient(browser.app, base_url="https://testserver", follow_redirects=False) as other:
        theirs = _tokens(components, other, portal, applicant, {"id_token": VERIFIED})
    assert "verified_claims" not in _payload(theirs["id_token"])


def test_no_document_number_ever_leaves_in_a_token(components, browser, portal):
    rep = make_account(components)
    make_representative(components, rep)
    tokens = _tokens(components, browser, portal, rep, {"id_token": VERIFIED})
    decoded = json.dumps(_payload(tokens["id_token"]))
    assert "document_number" not in decoded
    assert "AB123456" not in decoded


def test_a_malformed_claims_parameter_is_invalid_request_at_the_authorization_endpoint(
    components, browser
):
    account = make_account(components)
    client, _ = portal_client(components)
    for claims in (
        "not json",
        "[]",
        json.dumps({"id_token": []}),
        json.dumps({"userinfo": {"email": {"essential": "yes"}}}),
        json.dumps({"id_token": {"verified_claims": {"verification": {}, "claims": {}}}}),
        json.dumps({"id_token": {"verified_claims": {"claims": {"name": None}}}}),
    ):
        request = authorization_request(client.client_id, claims=claims)
        answer = browser.get("/authorize?" + request.query)
        location = answer.headers["location"]
        assert location.startswith("https://portal.example/callback"), (claims, location)
        query = query_of(location)
        assert query["error"] == "invalid_request", claims
        assert "'claims'" in query["error_description"]
    del account


def test_discovery_advertises_verified_claims_and_the_claims_parameter(portal):
    metadata = portal.get("/.well-known/openid-configuration").json()
    assert metadata["claims_parameter_supported"] is True
    assert metadata["verified_claims_supported"] is True
    assert metadata["trust_frameworks_supported"] == ["ca_passerelle_representative"]
    assert metadata["evidence_supported"] == ["document"]
    assert set(metadata["documents_supported"]) == {
        "passport",
        "driving_permit",
        "idcard",
        "residence_permit",
    }
    assert metadata["claims_in_verified_claims_supported"] == ["name"]
    assert "representative" in metadata["scopes_supported"]


def test_the_representative_scope_releases_the_contact_details(components, browser, portal):
    rep = make_account(components)
    representative_id = make_representative(components, rep)
    tokens = _tokens(components, browser, portal, rep, scope="openid representative")
    info = portal.get(
        "/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert info["representative_id"] == representative_id
    assert info["phone_number"] == "+1 613 555 0100"
    assert info["email"] == "office@sandhu.example"
    assert info["firm"] == "Sandhu Immigration"
    assert info["membership"] == {"body": "cicc", "number": "R712345"}
    assert info["address"]["locality"] == "Ottawa"
    assert info["address"]["formatted"].startswith("100 Wellington Street, Ottawa")
    with_email = _tokens(components, browser, portal, rep, scope=SCOPE)
    assert _payload(with_email["id_token"])["email"] == rep.email  # the verified account email


def test_delegated_tokens_name_the_representative_and_membership_in_act(
    components, browser, portal, clock
):
    applicant, rep = make_account(components), make_account(components)
    representative_id = make_representative(components, rep)
    client, secret = portal_client(components)
    connect(components, applicant, client)
    app_token = portal_token(portal, client, secret)
    application = register_application(portal, app_token, applicant.subject, "E555").json()
    grant_delegation(
        components,
        applicant,
        rep,
        [application["id"]],
        kind=DelegationKind.REPRESENTATIVE_PAID,
        accept=True,
    )
    signed_in_with_second_factor(browser, clock, rep)  # paid representatives use one
    request = authorization_request(client.client_id, scope="openid")
    code = authorize_code(browser, request, rep.email)["code"]
    rep_token = redeem(portal, code, request.verifier, client.client_id, secret).json()
    details = [
        {"type": "passerelle_application", "application": "E555", "actions": ["application.read"]}
    ]
    exchanged = portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": rep_token["access_token"],
            "subject_token_type": ACCESS,
            "authorization_details": json.dumps(details),
        },
        auth=(client.client_id, secret),
    )
    assert exchanged.status_code == 200, exchanged.text
    exchanged = exchanged.json()
    act = _payload(exchanged["access_token"])["act"]
    assert act == {
        "sub": rep.subject,
        "representative_id": representative_id,
        "membership": {"body": "cicc", "number": "R712345"},
    }
    introspected = portal.post(
        "/introspect", data={"token": exchanged["access_token"]}, auth=(client.client_id, secret)
    ).json()
    assert introspected["act"] == act
