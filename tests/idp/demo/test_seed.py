"""`idp demo` seeds three portals from their profiles, people with applications there, a
representative and a designated individual; running it again adds nothing."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from adapters import load_portal_profiles
from consent import (
    Action,
    Application,
    Delegation,
    applications_of_applicant,
    decide,
)
from idp.accounts.models import Account
from idp.accounts.service import find_account_by_email
from idp.authn.totp import current_code, verify_totp
from idp.cli.demo import demo_issuer, parse_portal_ports
from idp.clients.service import create_client, find_client, list_clients
from idp.demo.portals import DemoPortal, demo_profiles
from idp.demo.processes import busy_ports, portal_environment
from idp.demo.seed import (
    APPLICANT,
    APPLICATIONS,
    DEMO_TOTP_SEED,
    OFFICER,
    REPRESENTATIVE,
    SPOUSE,
    seed_demo,
)
from sample_portal.config import load_config
from sample_portal.labels import Label
from sample_portal.portal_api import SAMPLE_APPLICATIONS
from tests.factories.idp import transaction

PORTS = (18101, 18102, 18103)


def _seed(components, ports=PORTS):
    with transaction(components) as db:
        return seed_demo(
            db,
            passwords=components.passwords,
            master=components.master_key,
            events=components.delegation_events,
            ports=ports,
            now=datetime.now(UTC),  # the seeded delegations run on the real clock
        )


def _counts(components) -> tuple[int, ...]:
    with transaction(components) as db:
        rows = [
            db.scalar(select(func.count()).select_from(table))
            for table in (Account, Application, Delegation)
        ]
        return (*rows, len(list_clients(db)))


def test_the_three_portals_are_registered_from_their_profiles_on_loopback(components):
    ircc, pr, reps = _seed(components)
    assert [p.name for p in (ircc, pr, reps)] == [
        "IRCC Portal",
        "Permanent Residence Portal",
        "Authorized Paid Representatives Portal",
    ]
    with transaction(components) as db:
        client = find_client(db, ircc.client_id)
        pr_client = find_client(db, pr.client_id)
    assert client is not None
    assert pr_client is not None
    assert client.redirect_uris == ("http://127.0.0.1:18101/callback",)
    assert client.backchannel_logout_uri == "http://127.0.0.1:18101/backchannel-logout"
    assert client.events_uri == "http://127.0.0.1:18101/events"
    assert client.first_party
    assert pr_client.events_uri is None  # no representatives there: no delegation events
    assert pr.api_scope == "applications:write"
    assert client.check_client_secret(ircc.client_secret)
    # Registered by `idp portals sync`: tied to their profiles by slug.
    assert [client.profile_slug, pr_client.profile_slug] == ["ircc-portal", "pr-portal"]


def test_a_portal_an_older_demo_registered_by_name_is_adopted_not_doubled(components):
    with transaction(components) as db:
        older, _ = create_client(
            db,
            name="IRCC Portal",
            redirect_uris=["http://127.0.0.1:18101/callback"],
            now=datetime.now(UTC),
        )
    ircc, _, _ = _seed(components)
    assert ircc.client_id == older.client_id
    with transaction(components) as db:
        client = find_client(db, ircc.client_id)
        names = [c.name for c in list_clients(db)]
    assert client is not None
    assert client.profile_slug == "ircc-portal"
    assert names.count("IRCC Portal") == 1
    assert client.check_client_secret(ircc.client_secret)


def test_running_it_again_adds_nothing_and_gives_the_portals_new_secrets(components):
    first = _seed(components)
    counts = _counts(components)
    again = _seed(components, (18201, 18202, 18203))
    assert _counts(components) == counts
    assert [p.client_id for p in again] == [p.client_id for p in first]
    with transaction(components) as db:
        client = find_client(db, again[0].client_id)
    assert client is not None
    assert client.redirect_uris == ("http://127.0.0.1:18201/callback",)
    assert client.check_client_secret(again[0].client_secret)
    assert not client.check_client_secret(first[0].client_secret)


def test_the_representative_acts_on_one_application_and_the_spouse_shares_his(components):
    _seed(components)
    now = datetime.now(UTC)
    with transaction(components) as db:
        amara, kofi, rep = (
            find_account_by_email(db, p.email) for p in (APPLICANT, SPOUSE, REPRESENTATIVE)
        )
        mine = {a.portal_reference: a for a in applications_of_applicant(db, amara.subject)}
        his = {a.portal_reference: a for a in applications_of_applicant(db, kofi.subject)}
        assert set(mine) == {"E000123", "W000456", "R000777"}
        assert set(his) == {"V000321", "R000789"}
        upload = decide(
            db, actor=rep.subject, action=Action.DOCUMENTS_UPLOAD,
            application_id=mine["E000123"].id, now=now,
        )  # fmt: skip
        other = decide(
            db, actor=rep.subject, action=Action.APPLICATION_READ,
            application_id=mine["W000456"].id, now=now,
        )  # fmt: skip
        shared = decide(
            db, actor=amara.subject, action=Action.APPLICATION_READ,
            application_id=his["V000321"].id, now=now,
        )  # fmt: skip
    assert upload.reason == "allowed"
    assert other.reason == "no_delegation"
    assert shared.reason == "allowed"


def test_the_officer_signs_in_with_the_published_totp_seed(components):
    _seed(components)
    now = datetime.now(UTC)
    with transaction(components) as db:
        officer = find_account_by_email(db, OFFICER.email)
        assert officer is not None
        assert officer.roles == ["officer"]
        code = current_code(DEMO_TOTP_SEED, now.timestamp() + 30)  # a step not used yet
        assert verify_totp(db, components.master_key, officer.id, code, now)


def test_the_issuer_follows_the_port_unless_one_is_configured(monkeypatch):
    monkeypatch.delenv("IDP_ISSUER", raising=False)
    assert demo_issuer(8102) == "http://localhost:8102"
    monkeypatch.setenv("IDP_ISSUER", "https://passerelle.example")
    assert demo_issuer(8102) == "https://passerelle.example"


@pytest.mark.parametrize(
    "value", ["8101,8102", "8101,8101,8102", "a,b,c", "0,1,2", "8101,8102,99999"]
)
def test_portal_ports_are_three_distinct_port_numbers(value):
    assert parse_portal_ports(value) is None
    assert parse_portal_ports("8101, 8102,8103") == (8101, 8102, 8103)


def test_a_port_in_use_is_named_before_anything_starts():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert busy_ports("127.0.0.1", (port,)) == [port]


def test_the_demo_and_the_sample_portal_report_programs_their_profiles_name():
    """So a French page shows "Permis d’études", not the code or the English name."""
    profiles = {p.slug: p for p in load_portal_profiles()}
    for application in APPLICATIONS:
        assert application.program in profiles[application.portal].programs, application
    for _, program, status, _ in SAMPLE_APPLICATIONS:  # statuses of the IRCC Portal's profile
        assert program in profiles["ircc-portal"].programs
        assert status in profiles["ircc-portal"].statuses


def test_each_demo_portal_names_the_programs_and_statuses_seeded_there_as_its_profile_does():
    """Its own "My applications" page shows "Study permit / Permis d’études", not the code:
    the sample portal reads the profile the demo registered it from (PORTAL_PROFILE)."""
    for profile in demo_profiles():
        portal = DemoPortal(profile, 18101, "client", "secret")
        labels = load_config(portal_environment(portal, "http://127.0.0.1:8000", "x")).labels
        for application in (a for a in APPLICATIONS if a.portal == profile.slug):
            program = profile.programs[application.program]
            status = profile.statuses[application.status]
            assert labels.program(application.program) == Label(program.en, program.fr)
            assert labels.status(application.status) == Label(status.en, status.fr)
