"""Portal profiles: every shipped profile loads and follows the seeds; every malformed
profile is refused with a ProfileError naming the file, the field and the reason."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from adapters import (
    DELEGATED_ACTIONS,
    READ_ACTIONS,
    LocalizedText,
    ProfileError,
    SubjectType,
    load_portal_profile,
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

VALID = {
    "slug": "sample-portal",
    "subject_type": "public",
    "first_party": False,
    "representatives_allowed": True,
    "delegated_actions": ["application.read", "documents.upload"],
    "token_endpoint_auth_method": "client_secret_basic",
    "grant_types": ["authorization_code", "refresh_token"],
    "scopes": ["openid", "offline_access"],
    "claims": ["sub", "locale"],
    "redirect_uris": ["https://sample.example/oidc/callback"],
    "post_logout_redirect_uris": [],
    "events_uri": "https://sample.example/events",
    "names": {"en": "Sample portal", "fr": "Portail exemple"},
    "description": {"en": "A sample.", "fr": "Un exemple."},
    "statuses": {"received": {"en": "Received", "fr": "Reçue"}},
}


def to_toml(data: dict) -> str:
    """Just enough TOML for these profiles: JSON strings are TOML basic strings."""
    scalars = [f"{key} = {json.dumps(value)}" for key, value in data.items()]
    tables = [key for key, value in data.items() if isinstance(value, dict)]
    lines = [line for line, key in zip(scalars, data, strict=True) if key not in tables]
    for table in tables:
        lines.append(f"[{table}]")
        for key, value in data[table].items():
            if isinstance(value, dict):
                inline = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f"{json.dumps(key)} = {{ {inline} }}")
            else:
                lines.append(f"{json.dumps(key)} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def write_profile(folder: Path, changes: dict | None = None, *, without=(), name=None) -> Path:
    data = {k: v for k, v in {**VALID, **(changes or {})}.items() if k not in without}
    path = folder / f"{name or data.get('slug', 'sample-portal')}.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path


# shipped profiles -----------------------------------------------------------------------


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


# loading a folder ------------------------------------------------------------------------


def test_a_valid_profile_loads(tmp_path):
    profile = load_portal_profile(write_profile(tmp_path))
    assert profile.slug == "sample-portal"
    assert profile.statuses["received"] == LocalizedText("Received", "Reçue")
    assert profile.programs == {}  # optional: a portal may send its programs as free text
    assert profile.backchannel_logout_uri is None
    assert profile.application_type == "web"  # optional: a portal is a web client


def test_a_profile_may_declare_a_native_app(tmp_path):
    profile = load_portal_profile(write_profile(tmp_path, {"application_type": "native"}))
    assert profile.to_client_fields()["application_type"] == "native"


def test_a_profile_names_its_programs_in_english_and_french(tmp_path):
    programs = {"study_permit": {"en": "Study permit", "fr": "Permis d’études"}}
    profile = load_portal_profile(write_profile(tmp_path, {"programs": programs}))
    assert profile.programs["study_permit"] == LocalizedText("Study permit", "Permis d’études")
    assert profile.program_label("study_permit", "fr") == "Permis d’études"


def test_loopback_http_uris_are_accepted(tmp_path):
    uris = ["http://127.0.0.1:8101/cb", "http://localhost/cb", "http://[::1]:9000/cb"]
    profile = load_portal_profile(write_profile(tmp_path, {"redirect_uris": uris}))
    assert profile.redirect_uris == tuple(uris)


def test_a_folder_loads_sorted_by_slug(tmp_path):
    write_profile(tmp_path, {"slug": "zeta"})
    write_profile(tmp_path, {"slug": "alpha"})
    assert [p.slug for p in load_portal_profiles(tmp_path)] == ["alpha", "zeta"]


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ProfileError) as raised:
        load_portal_profiles(tmp_path / "absent")
    assert (raised.value.field, raised.value.reason) == ("(folder)", "not_found")


def test_the_message_names_the_file_the_field_and_what_is_accepted(tmp_path):
    path = write_profile(tmp_path, {"redirect_uris": ["http://portal.example/cb"]})
    with pytest.raises(ProfileError) as raised:
        load_portal_profile(path)
    message = str(raised.value)
    assert message.startswith("sample-portal.toml: redirect_uris[0] must use https")
    assert "accepted: absolute https URIs" in message
    assert raised.value.code == "invalid_portal_profile"
    assert raised.value.path == path


def test_a_file_that_is_not_toml_is_named(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("slug = ", encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        load_portal_profile(path)
    assert (raised.value.field, raised.value.reason) == ("(file)", "bad_format")


def test_a_file_too_large_is_refused_before_parsing(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text("# " + "x" * 70_000 + "\n", encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        load_portal_profile(path)
    assert (raised.value.field, raised.value.reason) == ("(file)", "too_long")


# each validation error, named -------------------------------------------------------------

PAIRWISE = {"subject_type": "pairwise"}
NO_DELEGATION = {"representatives_allowed": False, "delegated_actions": []}


@pytest.mark.parametrize(
    ("changes", "without", "field", "reason"),
    [
        ({"colour": "blue"}, (), "colour", "unknown_key"),
        ({}, ("claims",), "claims", "missing_field"),
        ({"names": {"en": "Sample"}}, (), "names.fr", "missing_field"),
        ({"names": {"en": "A", "fr": "B", "de": "C"}}, (), "names.de", "unknown_key"),
        ({"names": {"en": "  ", "fr": "B"}}, (), "names.en", "empty"),
        ({"names": {"en": "A" * 201, "fr": "B"}}, (), "names.en", "too_long"),
        ({"description": "one language"}, (), "description", "wrong_type"),
        ({"first_party": "yes"}, (), "first_party", "wrong_type"),
        ({"first_party": 1}, (), "first_party", "wrong_type"),
        ({"slug": "Sample_Portal"}, (), "slug", "bad_format"),
        ({"subject_type": "opaque"}, (), "subject_type", "unknown_value"),
        ({"application_type": "desktop"}, (), "application_type", "unknown_value"),
        ({"redirect_uris": ["http://portal.example/cb"]}, (), "redirect_uris[0]", "not_https"),
        ({"redirect_uris": ["https://p.example/cb#top"]}, (), "redirect_uris[0]", "bad_uri"),
        ({"redirect_uris": ["https://u:p@p.example/cb"]}, (), "redirect_uris[0]", "bad_uri"),
        ({"redirect_uris": ["/oidc/callback"]}, (), "redirect_uris[0]", "bad_uri"),
        ({"redirect_uris": ["https://p.example:99999/"]}, (), "redirect_uris[0]", "bad_uri"),
        (
            {"redirect_uris": ["https://p.example/" + "a" * 2000]},
            (),
            "redirect_uris[0]",
            "too_long",
        ),
        (
            {"redirect_uris": [f"https://p.example/{n}" for n in range(21)]},
            (),
            "redirect_uris",
            "too_many",
        ),
        ({"redirect_uris": [3]}, (), "redirect_uris[0]", "wrong_type"),
        (
            {"post_logout_redirect_uris": ["ftp://p.example/"]},
            (),
            "post_logout_redirect_uris[0]",
            "bad_uri",
        ),
        ({"events_uri": "http://portal.example/events"}, (), "events_uri", "not_https"),
        (
            {"backchannel_logout_uri": "https://p.example/#x"},
            (),
            "backchannel_logout_uri",
            "bad_uri",
        ),
        (
            {"delegated_actions": ["application.delete"]},
            (),
            "delegated_actions[0]",
            "unknown_value",
        ),
        (
            {"delegated_actions": ["payment.make", "payment.make"]},
            (),
            "delegated_actions[1]",
            "duplicate",
        ),
        ({"grant_types": ["implicit"]}, (), "grant_types[0]", "unknown_value"),
        ({"grant_types": []}, (), "grant_types", "empty"),
        (
            {"token_endpoint_auth_method": "private_key_jwt"},
            (),
            "token_endpoint_auth_method",
            "unknown_value",
        ),
        ({"scopes": ["openid", 'say"hi']}, (), "scopes[1]", "bad_format"),
        ({"claims": ["Email"]}, (), "claims[0]", "bad_format"),
        (
            {"statuses": {"In-Review": {"en": "A", "fr": "B"}}},
            (),
            "statuses.In-Review",
            "bad_format",
        ),
        (
            {"statuses": {"received": {"en": "Received"}}},
            (),
            "statuses.received.fr",
            "missing_field",
        ),
        (
            {"statuses": {f"s{n}": {"en": "A", "fr": "B"} for n in range(51)}},
            (),
            "statuses",
            "too_many",
        ),
        (PAIRWISE, (), "sector_identifier", "required_by"),
        ({**PAIRWISE, "sector_identifier": "Not A Host"}, (), "sector_identifier", "bad_format"),
        ({"sector_identifier": "sample.example"}, (), "sector_identifier", "not_allowed"),
        ({"scopes": ["profile"]}, (), "scopes", "required_by"),
        ({"redirect_uris": []}, (), "redirect_uris", "required_by"),
        ({"grant_types": ["refresh_token"]}, (), "grant_types", "required_by"),
        ({"grant_types": ["authorization_code"]}, (), "grant_types", "required_by"),
        (
            {
                "token_endpoint_auth_method": "none",
                "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            },
            (),
            "grant_types",
            "not_allowed",
        ),
        ({"representatives_allowed": False}, (), "delegated_actions[1]", "not_allowed"),
        ({"delegated_actions": []}, (), "delegated_actions", "required_by"),
        ({}, ("events_uri",), "events_uri", "required_by"),
        (
            {"frontchannel_logout_uri": "https://elsewhere.example/logout"},
            (),
            "frontchannel_logout_uri",
            "mismatch",
        ),
    ],
)
def test_each_malformed_profile_is_refused_naming_the_field(
    tmp_path, changes, without, field, reason
):
    path = write_profile(tmp_path, changes, without=without, name="sample-portal")
    with pytest.raises(ProfileError) as raised:
        load_portal_profile(path)
    assert (raised.value.field, raised.value.reason) == (field, reason)
    assert raised.value.path == path


@pytest.mark.parametrize(
    ("programs", "field", "reason"),
    [
        ({"study_permit": {"en": "Study permit"}}, "programs.study_permit.fr", "missing_field"),
        ({"study_permit": {"en": "S", "fr": "P" * 201}}, "programs.study_permit.fr", "too_long"),
        ({"Study permit": {"en": "S", "fr": "P"}}, "programs.Study permit", "bad_format"),
        (["study_permit"], "programs", "wrong_type"),
    ],
)
def test_a_malformed_programs_table_is_refused_naming_the_field(tmp_path, programs, field, reason):
    with pytest.raises(ProfileError) as raised:
        load_portal_profile(write_profile(tmp_path, {"programs": programs}))
    assert (raised.value.field, raised.value.reason) == (field, reason)


def test_a_slug_must_name_its_file(tmp_path):
    path = write_profile(tmp_path, name="another-name")
    with pytest.raises(ProfileError) as raised:
        load_portal_profile(path)
    assert (raised.value.field, raised.value.reason) == ("slug", "mismatch")


def test_a_portal_without_representatives_may_hold_read_only_delegations(tmp_path):
    changes = {**NO_DELEGATION, "delegated_actions": list(READ_ACTIONS)}
    profile = load_portal_profile(write_profile(tmp_path, changes))
    assert profile.delegated_actions == READ_ACTIONS
