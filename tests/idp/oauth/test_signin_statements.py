"""What a sign-in asks of the database, request by request: each thing it needs, read once.

A sign-in sent 17 statements (issue 8, item 7): the session and its account were read
apart, the second factors in three statements, a consent in three, and the session row
twice more to add the portal. On PostgreSQL each is a round trip. These tests say which
statements each request of the code flow sends, so a read that creeps back shows here.
"""

from __future__ import annotations

import re

from tests.factories.idp import make_account, make_client, statements
from tests.idp.flows import (
    authorization_request,
    authorize_code,
    consent_form,
    query_of,
    redeem,
    sign_in,
)

STATEMENT = re.compile(r"^\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b.*?\b(idp_\w+)", re.S | re.I)


def _shapes(sent: list[str]) -> list[tuple[str, str]]:
    """(verb, first table named) of each statement, e.g. ("SELECT", "idp_sessions")."""
    shapes = []
    for statement in sent:
        found = STATEMENT.match(statement)
        assert found is not None, statement
        shapes.append((found.group(1).split()[0].upper(), found.group(2)))
    return shapes


def test_each_request_of_a_first_sign_in_reads_what_it_needs_once(components, browser, portal):
    account = make_account(components)
    client, secret = make_client(components)
    request = authorization_request(client.client_id)

    with statements(components) as sent:
        first = browser.get("/authorize?" + request.query)
    assert first.status_code == 303
    assert _shapes(sent) == [("SELECT", "idp_clients")]  # then remembered for a while

    with statements(components) as sent:
        signed_in = sign_in(browser, first.headers["location"], account.email)
    assert signed_in.status_code == 303, signed_in.text
    assert _shapes(sent) == [
        ("SELECT", "idp_accounts"),
        ("SELECT", "idp_totp_credentials"),  # every second factor, one statement
        ("INSERT", "idp_sessions"),
    ]

    with statements(components) as sent:
        page = browser.get(signed_in.headers["location"])
    assert page.status_code == 200
    assert 'name="decision"' in page.text
    assert _shapes(sent) == [
        ("SELECT", "idp_sessions"),  # joined with its account
        ("SELECT", "idp_consents"),
    ]
    assert "JOIN idp_accounts" in sent[0]

    with statements(components) as sent:
        answer = browser.post("/authorize/consent", data=consent_form(page))
    assert answer.status_code == 302, answer.text
    assert _shapes(sent) == [
        ("SELECT", "idp_sessions"),  # read locked: the portal is added under that lock
        ("SELECT", "idp_consents"),
        ("INSERT", "idp_consents"),
        ("UPDATE", "idp_sessions"),
    ]

    with statements(components) as sent:
        tokens = redeem(
            portal,
            query_of(answer.headers["location"])["code"],
            request.verifier,
            client.client_id,
            secret,
        )
    assert tokens.status_code == 200, tokens.text
    assert _shapes(sent) == [
        ("INSERT", "idp_grants"),
        ("SELECT", "idp_accounts"),
        ("INSERT", "idp_refresh_tokens"),
    ]


def test_a_consent_given_again_is_read_and_written_once(components, browser, clock):
    account = make_account(components)
    client, _ = make_client(components)
    authorize_code(browser, authorization_request(client.client_id), account.email)
    clock.advance(60)  # given again later: its time is written
    page = browser.get(
        "/authorize?" + authorization_request(client.client_id, prompt="consent").query
    )
    assert page.status_code == 200
    assert 'name="decision"' in page.text

    with statements(components) as sent:
        answer = browser.post("/authorize/consent", data=consent_form(page))
    assert answer.status_code == 302, answer.text
    assert _shapes(sent) == [
        ("SELECT", "idp_sessions"),
        ("SELECT", "idp_consents"),
        ("UPDATE", "idp_consents"),  # the portal is in the session's list already
    ]


def test_a_second_portal_joins_the_session_with_one_write(components, browser):
    account = make_account(components)
    first, _ = make_client(components, first_party=True)
    second, _ = make_client(components, first_party=True)
    browser.get("/authorize?" + authorization_request(second.client_id).query)  # remembered
    authorize_code(browser, authorization_request(first.client_id), account.email)

    with statements(components) as sent:
        answer = browser.get("/authorize?" + authorization_request(second.client_id).query)
    assert answer.status_code == 302, answer.text
    assert _shapes(sent) == [("SELECT", "idp_sessions"), ("UPDATE", "idp_sessions")]
    with statements(components) as sent:
        again = browser.get("/authorize?" + authorization_request(second.client_id).query)
    assert again.status_code == 302
    assert _shapes(sent) == [("SELECT", "idp_sessions")]  # listed already: nothing to write
