"""Shipped portal profiles: every one loads and follows the seeds (subjects, sectors,
representatives and actions, events), with names and labels in both languages."""

from __future__ import annotations

import dataclasses

import pytest

from adapters import (
    DELEGATED_ACTIONS,
    READ_ACTIONS,
    LocalizedText,
    SubjectType,
    load_portal_profiles,
)

IRCC_OWN = {
    "mycic",
    "apr-portal",
    "ircc-portal",
    "pr-portal",
    "visitor-visa",
    "refugee-claims",
    "online-payment",
    "physical-presence-calculator",
    "partner-portal",
}
NOMINEE_PROGRAMS = {
    "bc-pnp",
    "ainp",
    "sinp",
    "mpnp",
    "oinp",
    "nb-pnp",
    "nsnp",
    "pei-pnp",
    "nl-pnp",
    "yukon-np",
    "nwt-np",
}
OTHER_ORGANISATIONS = {"employer-portal", "dli-portal", *NOMINEE_PROGRAMS}


def test_every_shipped_profile_loads_with_a_unique_slug():
    profiles = load_portal_profiles()
    slugs = [profile.slug for profile in profiles]
    assert slugs == sorted(set(slugs))
    assert set(slugs) == IRCC_OWN | OTHER_ORGANISATIONS


def test_shipped_names_are_unique_in_each_language():
    profiles = load_portal_profiles()
    assert len({p.names.en for p in profiles}) == len(profiles)
    assert len({p.names.fr for p in profiles}) == len(profiles)


def test_portals_of_other_organisations_get_pairwise_subjects_each_in_its_own_sector():
    profiles = {p.slug: p for p in load_portal_profiles()}
    sectors = [profiles[slug].sector_identifier for slug in sorted(OTHER_ORGANISATIONS)]
    assert all(profiles[slug].subject_type is SubjectType.PAIRWISE for slug in OTHER_ORGANISATIONS)
    assert None not in sectors
    assert len(set(sectors)) == len(sectors)
    assert all(not profiles[slug].first_party for slug in OTHER_ORGANISATIONS)


def test_irccs_own_portals_get_public_subjects():
    profiles = {p.slug: p for p in load_portal_profiles()}
    for slug in IRCC_OWN:
        assert profiles[slug].subject_type is SubjectType.PUBLIC
        assert profiles[slug].sector_identifier is None


def test_representatives_and_actions_follow_the_seeds():
    profiles = {p.slug: p for p in load_portal_profiles()}
    for slug in ("apr-portal", "ircc-portal"):
        assert profiles[slug].representatives_allowed
        assert profiles[slug].delegated_actions == DELEGATED_ACTIONS
    assert profiles["online-payment"].delegated_actions == ("payment.make",)
    for slug in ("mycic", "pr-portal", "physical-presence-calculator"):
        assert not profiles[slug].representatives_allowed
        assert profiles[slug].delegated_actions == ()
    for slug in ("visitor-visa", "refugee-claims"):
        assert not profiles[slug].representatives_allowed
        assert set(profiles[slug].delegated_actions) <= set(READ_ACTIONS)


def test_every_portal_holding_delegations_has_an_events_uri():
    for profile in load_portal_profiles():
        assert bool(profile.delegated_actions) == (profile.events_uri is not None), profile.slug


def test_client_fields_are_what_registration_needs():
    (profile,) = [p for p in load_portal_profiles() if p.slug == "bc-pnp"]
    assert profile.to_client_fields() == {
        "name": "British Columbia Provincial Nominee Program (BC PNP)",
        "redirect_uris": ["https://bc-pnp.example/oidc/callback"],
        "post_logout_redirect_uris": ["https://bc-pnp.example/signed-out"],
        "grant_types": [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "urn:ietf:params:oauth:grant-type:token-exchange",
        ],
        "auth_method": "client_secret_basic",
        "scope": "openid profile email offline_access applications:write delegations:read",
        "first_party": False,
        "backchannel_logout_uri": "https://bc-pnp.example/oidc/backchannel-logout",
        "frontchannel_logout_uri": "https://bc-pnp.example/oidc/frontchannel-logout",
        "events_uri": "https://bc-pnp.example/events/delegations",
        "subject_type": "pairwise",
        "sector_identifier": "bc-pnp.example",
        "application_type": "web",
    }


def test_status_labels_come_in_the_persons_language():
    (profile,) = [p for p in load_portal_profiles() if p.slug == "ircc-portal"]
    assert profile.status_label("in_review", "fr") == "En cours d’examen"
    assert profile.status_label("in_review", "fr-CA") == "En cours d’examen"
    assert profile.status_label("in_review", "en") == "In review"
    assert profile.status_label("a_new_status", "fr") == "a_new_status"


def test_program_names_come_in_the_persons_language_else_as_the_portal_sent_them():
    (profile,) = [p for p in load_portal_profiles() if p.slug == "ircc-portal"]
    assert profile.program_label("study_permit", "fr") == "Permis d’études"
    assert profile.program_label("study_permit", "fr-CA") == "Permis d’études"
    assert profile.program_label("study_permit", "en") == "Study permit"
    assert profile.program_label("Study permit", "fr") == "Study permit"  # free text
    assert profile.program_label("a_new_program", "fr") == "a_new_program"


def test_a_profile_cannot_be_changed_after_loading():
    profile = load_portal_profiles()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile.slug = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        profile.statuses["x"] = LocalizedText("x", "x")  # type: ignore[index]
