"""Portal profiles loaded from a folder: a valid one loads; every malformed profile is
refused with a ProfileError naming the file, the field and the reason. The shipped profiles
are checked in test_shipped_portal_profiles.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters import (
    READ_ACTIONS,
    LocalizedText,
    ProfileError,
    load_portal_profile,
    load_portal_profiles,
)

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
