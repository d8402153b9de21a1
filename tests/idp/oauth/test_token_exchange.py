"""Delegated tokens by token exchange, and revocation that is immediate everywhere."""

from __future__ import annotations

import json

from joserfc import jwt
from joserfc.jwk import KeySet

from consent import Action
from idp.delegation import service
from tests.factories.idp import connect, grant_delegation, make_account, transaction
from tests.idp.flows import (
    TOKEN_EXCHANGE,
    authorization_request,
    authorize_code,
    follow_to_redirect_uri,
    portal_client,
    portal_token,
    query_of,
    redeem,
    register_application,
)
from tests.receiver import receiver

ACCESS = "urn:ietf:params:oauth:token-type:access_token"


def _world(
    components,
    browser,
    portal,
    *,
    events_uri=None,
    actions=(Action.APPLICATION_READ, Action.DOCUMENTS_UPLOAD),
):
    applicant, rep = (
        make_account(components, name="Amara Okafor"),
        make_account(components, name="Rep Lee"),
    )
    client, secret = portal_client(components, events_uri=events_uri)
    app_token = portal_token(portal, client, secret)
    connect(components, applicant, client)
    application = register_application(portal, app_token, applicant.subject, "E777").json()
    delegation_id = grant_delegation(
        components, applicant, rep, [application["id"]], actions=list(actions), accept=True
    ).id
    request = authorization_request(client.client_id, scope="openid")
    code = authorize_code(browser, request, rep.email)["code"]
    rep_token = redeem(portal, code, request.verifier, client.client_id, secret).json()[
        "access_token"
    ]
    return applicant, rep, client, secret, rep_token, delegation_id, app_token


def _exchange(
    portal, client, secret, subject_token, actions=("application.read",), number="E777", **extra
):
    details = [{"type": "passerelle_application", "application": number, "actions": list(actions)}]
    return portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": subject_token,
            "subject_token_type": ACCESS,
            "authorization_details": json.dumps(details),
            **extra,
        },
        auth=(client.client_id, secret),
    )


def test_exchange_gives_a_short_token_for_the_applicant_acted_by_the_representative(
    components, browser, portal
):
    applicant, rep, client, secret, rep_token, delegation_id, _ = _world(
        components, browser, portal
    )
    response = _exchange(
        portal, client, secret, rep_token, actions=("application.read", "documents.upload")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issued_token_type"] == ACCESS
    assert "refresh_token" not in body
    assert body["expires_in"] <= 300
    claims = jwt.decode(
        body["access_token"], KeySet.import_key_set(portal.get("/jwks").json())
    ).claims
    assert claims["sub"] == applicant.subject
    assert claims["act"] == {"sub": rep.subject}
    assert claims["delegation_id"] == delegation_id
    assert claims["authorization_details"][0]["application"] == "E777"
    assert claims["authorization_details"][0]["program"] == "Study permit"  # as the portal sent
    assert claims["authorization_details"][0]["actions"] == ["application.read", "documents.upload"]
    introspected = portal.post(
        "/introspect", data={"token": body["access_token"]}, auth=(client.client_id, secret)
    ).json()
    assert introspected["active"] is True
    assert introspected["act"] == {"sub": rep.subject}
    assert introspected["authorization_details"] == claims["authorization_details"]


def test_action_outside_the_delegation_is_refused_with_the_rfc_error(components, browser, portal):
    *_, client, secret, rep_token, _, _ = _world(components, browser, portal)
    response = _exchange(portal, client, secret, rep_token, actions=("payment.make",))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_authorization_details"
    assert "payment.make" in response.json()["error_description"]
    # One granted action does not carry another that is not: the refused one is named.
    mixed = _exchange(
        portal, client, secret, rep_token, actions=("application.read", "payment.make")
    )
    assert mixed.json()["error"] == "invalid_authorization_details"
    assert mixed.json()["error_description"].startswith("payment.make on E777")


def test_an_audience_or_resource_the_token_would_not_be_for_is_invalid_target(
    components, browser, portal
):
    *_, client, secret, rep_token, _, _ = _world(components, browser, portal)
    for name, value in (("audience", "https://other.example"), ("resource", "https://rs.example")):
        response = _exchange(portal, client, secret, rep_token, **{name: value})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_target"
        assert f"'{name}'" in response.json()["error_description"]
    own = _exchange(portal, client, secret, rep_token, audience=client.client_id)
    assert own.status_code == 200, own.text


def test_the_exchange_answer_names_the_scope_issued_in_place_of_the_one_asked(
    components, browser, portal
):
    *_, client, secret, rep_token, _, _ = _world(components, browser, portal)
    response = _exchange(portal, client, secret, rep_token, scope="openid profile")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "delegated"
    claims = jwt.decode(
        response.json()["access_token"], KeySet.import_key_set(portal.get("/jwks").json())
    ).claims
    assert claims["scope"] == "delegated"


def test_unknown_application_and_malformed_details_are_refused(components, browser, portal):
    *_, client, secret, rep_token, _, _ = _world(components, browser, portal)
    assert (
        _exchange(portal, client, secret, rep_token, number="NOPE").json()["error"]
        == "invalid_authorization_details"
    )
    bad = portal.post(
        "/token",
        data={
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": rep_token,
            "subject_token_type": ACCESS,
            "authorization_details": "{",
        },
        auth=(client.client_id, secret),
    )
    assert bad.json()["error"] == "invalid_authorization_details"


def test_someone_without_a_delegation_cannot_exchange(components, browser, portal):
    *_, client, secret, _, _, _ = _world(components, browser, portal)
    stranger = make_account(components)
    from tests.idp.flows import authorization_request as ar

    request = ar(client.client_id, scope="openid")
    browser.cookies.clear()
    code = authorize_code(browser, request, stranger.email)["code"]
    token = redeem(portal, code, request.verifier, client.client_id, secret).json()["access_token"]
    assert (
        _exchange(portal, client, secret, token).json()["error"] == "invalid_authorization_details"
    )


def test_a_portal_token_is_not_a_subject_token(components, browser, portal):
    *_, client, secret, _, _, app_token = _world(components, browser, portal)
    assert _exchange(portal, client, secret, app_token).json()["error"] == "invalid_grant"


def test_revocation_is_immediate_and_the_portal_gets_a_security_event(
    components, app, browser, portal
):
    with receiver() as (url, received):
        applicant, _rep, client, secret, rep_token, delegation_id, _ = _world(
            components, browser, portal, events_uri=f"{url}/events"
        )
        app.state.outbox.deliver_now()
        received.bodies.clear()  # the activation event
        delegated = _exchange(portal, client, secret, rep_token).json()["access_token"]
        with transaction(components) as db:
            service.revoke(
                db,
                components.delegation_events,
                delegation_id,
                applicant.subject,
                components.clock.now(),
            )
        assert portal.post(
            "/introspect", data={"token": delegated}, auth=(client.client_id, secret)
        ).json() == {"active": False}
        assert (
            _exchange(portal, client, secret, rep_token).json()["error"]
            == "invalid_authorization_details"
        )
        assert app.state.outbox.deliver_now() == 1
    ((path, content_type, body),) = received.bodies
    assert path == "/events"
    assert content_type == "application/secevent+jwt"
    decoded = jwt.decode(body.decode(), KeySet.import_key_set(portal.get("/jwks").json()))
    assert decoded.header["typ"] == "secevent+jwt"
    (event,) = decoded.claims["events"].values()
    assert event["delegation_id"] == delegation_id
    assert event["applications"] == ["E777"]
    assert event["status"] == "revoked"


def test_every_step_lands_in_the_applicants_activity(components, browser, portal):
    applicant, _rep, client, secret, rep_token, _delegation_id, _ = _world(
        components, browser, portal
    )
    _exchange(portal, client, secret, rep_token)
    from consent import events_for

    with transaction(components) as db:
        events = [e.event for e in reversed(events_for(db, applicant.subject))]
    assert events == ["delegation.granted", "delegation.accepted", "token.issued"]


def test_decision_api_answers_with_the_reason(components, browser, portal):
    _applicant, rep, _client, _secret, _, delegation_id, app_token = _world(
        components, browser, portal
    )
    headers = {"Authorization": f"Bearer {app_token}"}
    allowed = portal.post(
        "/api/decisions",
        json={"actor_sub": rep.subject, "action": "documents.upload", "application_number": "E777"},
        headers=headers,
    ).json()
    assert allowed == {"allowed": True, "reason": "allowed", "delegation_id": delegation_id}
    refused = portal.post(
        "/api/decisions",
        json={"actor_sub": rep.subject, "action": "payment.make", "application_number": "E777"},
        headers=headers,
    ).json()
    assert refused["reason"] == "action_not_granted"
    bad = portal.post(
        "/api/decisions",
        json={"actor_sub": rep.subject, "action": "fly", "application_number": "E777"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "action"


def _delegated_request(client_id, actions, number="E777", **extra):
    details = [{"type": "passerelle_application", "application": number, "actions": list(actions)}]
    return authorization_request(
        client_id, scope="openid", authorization_details=json.dumps(details), **extra
    )


def test_a_representative_confirms_acting_for_the_applicant_in_the_browser(
    components, browser, portal
):
    applicant, rep, client, secret, *_ = _world(components, browser, portal)
    request = _delegated_request(client.client_id, ["application.read", "documents.upload"])
    page = browser.get("/authorize?" + request.query)
    assert page.status_code == 200, page.text[:300]
    assert "act for Amara Okafor" in page.text
    assert "Application E777" in page.text
    assert "Upload documents" in page.text
    assert "Pay fees" not in page.text
    code = query_of(follow_to_redirect_uri(browser, page).headers["location"])["code"]
    body = redeem(portal, code, request.verifier, client.client_id, secret).json()
    assert "refresh_token" not in body
    assert body["authorization_details"][0]["actions"] == ["application.read", "documents.upload"]
    claims = jwt.decode(
        body["access_token"], KeySet.import_key_set(portal.get("/jwks").json())
    ).claims
    assert claims["sub"] == applicant.subject
    assert claims["act"] == {"sub": rep.subject}
    assert claims["exp"] - claims["iat"] <= 300
    # The ID token still names the person who signed in: the representative.
    id_claims = jwt.decode(body["id_token"], KeySet.import_key_set(portal.get("/jwks").json()))
    assert id_claims.claims["sub"] == rep.subject


def test_the_confirmation_page_is_in_french(components, browser, portal):
    *_, client, _secret, _token, _id, _app = _world(components, browser, portal)
    request = _delegated_request(client.client_id, ["application.read"], ui_locales="fr")
    page = browser.get("/authorize?" + request.query)
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    assert "Demande E777" in page.text


def test_the_browser_flow_refuses_what_the_delegation_does_not_allow(components, browser, portal):
    *_, client, _secret, _token, _id, _app = _world(components, browser, portal)
    request = _delegated_request(client.client_id, ["payment.make"])
    response = browser.get("/authorize?" + request.query)
    assert response.status_code == 302
    redirect = query_of(response.headers["location"])
    assert redirect["error"] == "invalid_authorization_details"
    assert redirect["state"] == request.params["state"]


def test_a_code_for_a_revoked_delegation_cannot_be_redeemed(components, browser, portal):
    applicant, _rep, client, secret, _token, delegation_id, _app = _world(
        components, browser, portal
    )
    request = _delegated_request(client.client_id, ["application.read"])
    code = query_of(
        follow_to_redirect_uri(browser, browser.get("/authorize?" + request.query)).headers[
            "location"
        ]
    )["code"]
    with transaction(components) as db:
        service.revoke(
            db,
            components.delegation_events,
            delegation_id,
            applicant.subject,
            components.clock.now(),
        )
    response = redeem(portal, code, request.verifier, client.client_id, secret)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_portal_that_is_down_gets_the_security_event_when_it_comes_back(
    components, app, browser, portal, clock
):
    with receiver() as (url, received):
        applicant, *_, delegation_id, _ = _world(
            components, browser, portal, events_uri=f"{url}/events"
        )
        app.state.outbox.deliver_now()
        received.bodies.clear()
        received.status = 503  # the portal is down
        with transaction(components) as db:
            service.revoke(
                db,
                components.delegation_events,
                delegation_id,
                applicant.subject,
                components.clock.now(),
            )
        assert app.state.outbox.deliver_now() == 0
        received.status = 200
        assert app.state.outbox.deliver_now() == 0  # not yet: backing off
        clock.advance(6)
        assert app.state.outbox.deliver_now() == 1
        keys = KeySet.import_key_set(portal.get("/jwks").json())
    assert [path for path, _, _ in received.bodies] == ["/events", "/events"]
    first, again = (jwt.decode(body.decode(), keys).claims for _, _, body in received.bodies)
    assert first["jti"] == again["jti"]  # the same event, delivered again
    assert again["iat"] == first["iat"] + 6  # signed when sent
