"""Subject identifiers (OpenID Connect Core §8): public, or pairwise per sector."""

from __future__ import annotations

import pytest

from idp.errors import InvalidInput
from idp.subjects.service import SubjectIdentifiers
from keys import MasterKey
from tests.factories.idp import make_account, make_client, transaction


def pairwise_client(components, sector, **fields):
    client, _ = make_client(components, subject_type="pairwise", sector_identifier=sector, **fields)
    return client


def test_pairwise_values_are_stable_within_a_sector_and_differ_across_sectors(components):
    person, other = make_account(components), make_account(components)
    alberta_a = pairwise_client(components, "ainp.example")
    alberta_b = pairwise_client(components, "ainp.example")
    manitoba = pairwise_client(components, "mpnp.example")
    subjects = components.subjects
    with transaction(components) as db:
        at_a = subjects.subject_for(db, person, alberta_a)
        assert subjects.subject_for(db, person, alberta_a) == at_a
        assert subjects.subject_for(db, person, alberta_b) == at_a
        assert subjects.subject_for(db, person, manitoba) != at_a
        assert subjects.subject_for(db, other, alberta_a) != at_a
        assert at_a != person.subject


def test_a_public_client_gets_the_accounts_subject(components):
    person = make_account(components)
    client, _ = make_client(components)
    with transaction(components) as db:
        assert components.subjects.subject_for(db, person, client) == person.subject
        found = components.subjects.account_for_subject(db, person.subject, client)
        assert found is not None
        assert found.id == person.id


def test_a_pairwise_subject_leads_back_to_its_account_only_within_its_sector(components):
    person = make_account(components)
    alberta, manitoba = (pairwise_client(components, s) for s in ("ainp.example", "mpnp.example"))
    subjects = components.subjects
    with transaction(components) as db:
        value = subjects.subject_for(db, person, alberta)
    with transaction(components) as db:
        found = subjects.account_for_subject(db, value, alberta)
        assert found is not None
        assert found.id == person.id
        assert subjects.account_for_subject(db, value, manitoba) is None
        assert subjects.account_for_subject(db, person.subject, alberta) is None
        assert subjects.account_for_subject(db, "x" * 65, alberta) is None


def test_many_subjects_are_translated_at_once(components):
    people = [make_account(components) for _ in range(3)]
    alberta = pairwise_client(components, "ainp.example")
    subjects = components.subjects
    with transaction(components) as db:
        seen = subjects.subjects_of(db, [p.subject for p in people] + ["unknown"], alberta)
        assert seen == {p.subject: subjects.subject_for(db, p, alberta) for p in people}
        assert subjects.subject_of(db, "unknown", alberta) == "unknown"


def test_pairwise_values_depend_on_the_master_key():
    one = SubjectIdentifiers.from_master_key(MasterKey.generate())
    two = SubjectIdentifiers.from_master_key(MasterKey.generate())
    assert one.pairwise_value("ainp.example", "a1") != two.pairwise_value("ainp.example", "a1")
    assert len(one.pairwise_value("ainp.example", "a1")) == 43  # 256 bits, base64url


def test_a_pairwise_client_without_a_sector_takes_the_host_of_its_redirect_uris(components):
    client, _ = make_client(components, subject_type="pairwise")
    assert client.sector_identifier == "portal.example"
    assert client.is_pairwise


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "subject_type": "pairwise",
                "redirect_uris": ["https://a.example/cb", "https://b.example/cb"],
            },
            "several hosts",
        ),
        ({"subject_type": "public", "sector_identifier": "a.example"}, "needs pairwise"),
        ({"subject_type": "pairwise", "sector_identifier": "not a host"}, "host name"),
        ({"subject_type": "secret"}, "public or pairwise"),
    ],
)
def test_subject_type_and_sector_are_checked_at_registration(components, fields, message):
    with pytest.raises(InvalidInput) as error:
        make_client(components, **fields)
    assert error.value.field in ("sector_identifier", "subject_type")
    assert message in error.value.message
