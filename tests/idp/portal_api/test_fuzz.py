"""The portal API against its own OpenAPI document, with inputs generated from it
(schemathesis): no 5xx, documented status codes and content types, bodies that match the
documented schemas, whatever a portal sends."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from tests.factories.idp import connect, make_account
from tests.idp.flows import portal_client, portal_token, register_application


@pytest.fixture
def portal_api(app):
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


@pytest.fixture
def bearer(components, portal):
    client, secret = portal_client(components)
    token = portal_token(portal, client, secret)
    applicant = make_account(components)
    connect(components, applicant, client)
    register_application(portal, token, applicant.subject, "E123")  # something to find
    return {"Authorization": f"Bearer {token}"}


schema = schemathesis.pytest.from_fixture("portal_api")


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_portal_api_keeps_its_contract(case, bearer):
    # A schema cannot say "this applicant must exist": a well-formed request for an unknown
    # applicant or application is refused with a problem, which is right.
    case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])
