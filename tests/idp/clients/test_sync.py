"""`sync_portal_profiles`: every profile registered once, updated in place, never duplicated."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from sqlalchemy import select

from adapters.localized_text import LocalizedText
from adapters.portals import load_portal_profile, load_portal_profiles
from adapters.portals.loader import PROFILES_FOLDER
from idp.clients.models import Client
from idp.clients.service import find_client
from idp.clients.sync import SyncAction, sync_portal_profiles
from idp.errors import Conflict, InvalidInput
from tests.factories.idp import make_client, transaction


def sync(components, profiles, **options):
    with transaction(components) as db:
        return sync_portal_profiles(db, profiles, components.clock.now(), **options)


def test_every_shipped_profile_becomes_a_client_once(components):
    profiles = load_portal_profiles()
    first = sync(components, profiles)
    assert [r.action for r in first] == [SyncAction.CREATED] * len(profiles)
    again = sync(components, profiles)
    assert [r.action for r in again] == [SyncAction.UNCHANGED] * len(profiles)
    assert [r.client_id for r in again] == [r.client_id for r in first]
    assert all(r.client_secret is None for r in again)
    with transaction(components) as db:
        assert len(db.scalars(select(Client)).all()) == len(profiles)


def test_a_new_client_gets_a_secret_unless_it_is_public(components):
    results = {r.slug: r for r in sync(components, load_portal_profiles())}
    assert results["ircc-portal"].client_secret
    assert results["physical-presence-calculator"].client_secret is None  # method none
    with transaction(components) as db:
        ircc = find_client(db, str(results["ircc-portal"].client_id))
        assert ircc is not None
        assert ircc.check_client_secret(results["ircc-portal"].client_secret)
        assert ircc.profile_slug == "ircc-portal"


def test_the_profile_sets_subject_type_and_sector(components):
    results = {r.slug: r for r in sync(components, load_portal_profiles())}
    with transaction(components) as db:
        alberta = find_client(db, str(results["ainp"].client_id))
        ircc = find_client(db, str(results["ircc-portal"].client_id))
    assert alberta is not None
    assert alberta.is_pairwise
    assert alberta.sector_identifier == "ainp.example"
    assert ircc is not None
    assert not ircc.is_pairwise


def test_a_renamed_portal_keeps_its_client_and_reports_the_changed_fields(components):
    profile = load_portal_profile(PROFILES_FOLDER / "pr-portal.toml")
    created = sync(components, [profile])[0]
    renamed = replace(
        profile,
        names=LocalizedText(en="Permanent Residence Portal 2", fr="Portail de la RP 2"),
        redirect_uris=(*profile.redirect_uris, "https://pr-portal.example/oidc/callback2"),
    )
    updated = sync(components, [renamed])[0]
    assert updated.action is SyncAction.UPDATED
    assert updated.changed == ("name", "redirect_uris")
    assert updated.client_id == created.client_id
    assert updated.client_secret is None  # never generated again
    with transaction(components) as db:
        client = find_client(db, str(created.client_id))
    assert client is not None
    assert client.name == "Permanent Residence Portal 2"
    assert client.check_client_secret(str(created.client_secret))


def test_a_dry_run_writes_nothing(components):
    profiles = load_portal_profiles()
    results = sync(components, profiles, dry_run=True)
    assert {r.action for r in results} == {SyncAction.CREATED}
    assert all(r.client_id is None and r.client_secret is None for r in results)
    with transaction(components) as db:
        assert db.scalars(select(Client)).all() == []


def test_the_sector_of_a_registered_portal_cannot_change(components):
    profile = load_portal_profile(PROFILES_FOLDER / "ainp.toml")
    sync(components, [profile])
    with pytest.raises(InvalidInput) as error:
        sync(components, [replace(profile, sector_identifier="elsewhere.example")])
    assert error.value.field == "sector_identifier"


def test_a_client_already_holding_the_name_is_not_taken_over(components):
    profile = load_portal_profile(PROFILES_FOLDER / "ircc-portal.toml")
    make_client(components, name=profile.names.en)
    with pytest.raises(Conflict) as error:
        sync(components, [profile])
    assert error.value.code == "client_name_taken"


def test_a_profile_the_registry_refuses_names_the_field(components, tmp_path):
    shutil.copy(PROFILES_FOLDER / "ircc-portal.toml", tmp_path / "ircc-portal.toml")
    profile = load_portal_profile(tmp_path / "ircc-portal.toml")
    with pytest.raises(InvalidInput) as error:
        sync(components, [replace(profile, scopes=(*profile.scopes, "phone"))])
    assert error.value.field == "scope"


def test_a_native_profile_registers_a_native_client(components):
    profile = load_portal_profile(PROFILES_FOLDER / "physical-presence-calculator.toml")
    native = replace(profile, application_type="native", redirect_uris=("http://127.0.0.1/cb",))
    (result,) = sync(components, [replace(native, frontchannel_logout_uri=None)])
    with transaction(components) as db:
        client = find_client(db, str(result.client_id))
    assert client is not None
    assert client.is_native
    assert client.check_redirect_uri("http://127.0.0.1:53127/cb")


def test_a_native_profile_on_localhost_is_refused_naming_the_redirect_uri(components):
    profile = load_portal_profile(PROFILES_FOLDER / "physical-presence-calculator.toml")
    native = replace(
        profile,
        application_type="native",
        redirect_uris=("http://localhost/cb",),
        frontchannel_logout_uri=None,
    )
    with pytest.raises(InvalidInput) as error:
        sync(components, [native])
    assert error.value.field == "redirect_uri"
