"""Loading portal profiles: one `<slug>.toml` per portal, every field checked.

`load_portal_profiles` reads a folder (the shipped `profiles/` by default) and returns the
profiles sorted by slug; the first problem stops it with a `ProfileError` naming the file,
the field and what is accepted. Beyond each field's own rules (`fields.py`), a profile must
agree with itself: a pairwise subject needs its sector (OpenID Connect Core §8.1), the
code grant needs a redirect URI and `openid`, a public client (`none`) never uses client
credentials or token exchange, a portal holding delegations names where their events go,
and a front-channel logout URI shares scheme, host and port with a redirect URI (OpenID
Connect Front-Channel Logout 1.0 §2).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

from adapters.portals.errors import ProfileError
from adapters.portals.fields import SCOPE_PATTERN, SNAKE_PATTERN, ProfileTable, origin
from adapters.portals.profile import (
    APPLICATION_TYPES,
    DELEGATED_ACTIONS,
    GRANT_TYPES,
    READ_ACTIONS,
    TOKEN_ENDPOINT_AUTH_METHODS,
    TOKEN_EXCHANGE_GRANT,
    PortalProfile,
    SubjectType,
)

PROFILES_FOLDER = Path(__file__).parent / "profiles"
MAX_PROFILE_FILE_BYTES = 64 * 1024
MAX_NAME_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 1000
MAX_STATUS_LABEL_LENGTH = 200
MAX_PROGRAM_LABEL_LENGTH = 200
SLUG_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
REQUIRED_KEYS = (
    "slug",
    "names",
    "description",
    "redirect_uris",
    "post_logout_redirect_uris",
    "scopes",
    "claims",
    "grant_types",
    "token_endpoint_auth_method",
    "first_party",
    "representatives_allowed",
    "delegated_actions",
    "subject_type",
    "statuses",
)
OPTIONAL_KEYS = (
    "backchannel_logout_uri",
    "frontchannel_logout_uri",
    "events_uri",
    "sector_identifier",
    "programs",
    "application_type",
)


def load_portal_profiles(folder: Path | None = None) -> list[PortalProfile]:
    """Every `*.toml` profile in `folder` (default: the shipped profiles), sorted by slug."""
    folder = PROFILES_FOLDER if folder is None else folder
    if not folder.is_dir():
        raise ProfileError(
            folder, "(folder)", "not_found", "is not a folder", "a folder of <slug>.toml files"
        )
    return [load_portal_profile(path) for path in sorted(folder.glob("*.toml"))]


def load_portal_profile(path: Path) -> PortalProfile:
    """One profile file, checked field by field and then as a whole."""
    fields = ProfileTable(path, _parse(path))
    fields.check_keys(REQUIRED_KEYS, OPTIONAL_KEYS)
    profile = PortalProfile(
        slug=fields.token("slug", SLUG_PATTERN, "lowercase letters, digits and single hyphens"),
        names=fields.localized("names", MAX_NAME_LENGTH),
        description=fields.localized("description", MAX_DESCRIPTION_LENGTH),
        redirect_uris=fields.uris("redirect_uris"),
        post_logout_redirect_uris=fields.uris("post_logout_redirect_uris"),
        backchannel_logout_uri=fields.optional_uri("backchannel_logout_uri"),
        frontchannel_logout_uri=fields.optional_uri("frontchannel_logout_uri"),
        events_uri=fields.optional_uri("events_uri"),
        scopes=fields.strings("scopes", pattern=SCOPE_PATTERN, described="scope tokens"),
        claims=fields.strings("claims", pattern=SNAKE_PATTERN, described="snake_case claims"),
        grant_types=fields.strings("grant_types", choices=GRANT_TYPES, described="grant types"),
        token_endpoint_auth_method=fields.choice(
            "token_endpoint_auth_method", TOKEN_ENDPOINT_AUTH_METHODS
        ),
        first_party=fields.flag("first_party"),
        representatives_allowed=fields.flag("representatives_allowed"),
        delegated_actions=fields.strings(
            "delegated_actions", choices=DELEGATED_ACTIONS, described="delegated actions"
        ),
        subject_type=SubjectType(fields.choice("subject_type", list(SubjectType))),
        sector_identifier=fields.optional_host("sector_identifier"),
        statuses=fields.codes("statuses", MAX_STATUS_LABEL_LENGTH, "status"),
        programs=fields.codes("programs", MAX_PROGRAM_LABEL_LENGTH, "program")
        if fields.has("programs")
        else MappingProxyType({}),
        application_type=fields.choice("application_type", APPLICATION_TYPES)
        if fields.has("application_type")
        else APPLICATION_TYPES[0],
    )
    for check in _WHOLE_PROFILE_CHECKS:
        check(fields, profile)
    return profile


def _parse(path: Path) -> dict[str, object]:
    accepted = f"TOML 1.0 in UTF-8, at most {MAX_PROFILE_FILE_BYTES} bytes"
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_PROFILE_FILE_BYTES + 1)
    except OSError as error:
        raise ProfileError(
            path, "(file)", "bad_format", f"cannot be read: {error}", accepted
        ) from None
    if len(raw) > MAX_PROFILE_FILE_BYTES:
        raise ProfileError(path, "(file)", "too_long", "is too large", accepted)
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(
            path, "(file)", "bad_format", f"is not TOML: {error}", accepted
        ) from None


def _check_slug_names_the_file(fields: ProfileTable, profile: PortalProfile) -> None:
    if profile.slug != fields.path.stem:
        fields.fail(
            "slug", "mismatch", f"is {profile.slug!r}", f"the file name, {fields.path.stem!r}"
        )


def _check_subject_type(fields: ProfileTable, profile: PortalProfile) -> None:
    """OpenID Connect Core §8.1: pairwise values are computed within a sector."""
    if profile.subject_type is SubjectType.PAIRWISE and profile.sector_identifier is None:
        fields.fail(
            "sector_identifier",
            "required_by",
            "is required when subject_type is pairwise (OpenID Connect Core §8.1)",
            "a host naming the portal's sector, such as bc-pnp.example",
        )
    if profile.subject_type is SubjectType.PUBLIC and profile.sector_identifier is not None:
        fields.fail(
            "sector_identifier",
            "not_allowed",
            "is only used with pairwise subjects",
            "no sector_identifier when subject_type is public",
        )


def _check_grants(fields: ProfileTable, profile: PortalProfile) -> None:
    grants = profile.grant_types
    if not grants:
        fields.fail("grant_types", "empty", "is empty", "at least one of " + ", ".join(GRANT_TYPES))
    if "authorization_code" in grants and not profile.redirect_uris:
        fields.fail("redirect_uris", "required_by", "is empty", "a redirect URI for the code grant")
    if "authorization_code" in grants and "openid" not in profile.scopes:
        fields.fail("scopes", "required_by", "lacks openid", "openid with the code grant")
    if "refresh_token" in grants and "authorization_code" not in grants:
        fields.fail(
            "grant_types", "required_by", "has refresh_token alone", "authorization_code too"
        )
    if "offline_access" in profile.scopes and "refresh_token" not in grants:
        fields.fail("grant_types", "required_by", "lacks refresh_token", "it with offline_access")
    public = profile.token_endpoint_auth_method == "none"  # noqa: S105  # a method name
    if public and {"client_credentials", TOKEN_EXCHANGE_GRANT} & set(grants):
        fields.fail(
            "grant_types",
            "not_allowed",
            "has a grant that needs client authentication",
            "authorization_code and refresh_token for a public client (method none)",
        )


def _check_delegation(fields: ProfileTable, profile: PortalProfile) -> None:
    actions = profile.delegated_actions
    if profile.representatives_allowed and not actions:
        fields.fail(
            "delegated_actions", "required_by", "is empty", "an action representatives may do"
        )
    if not profile.representatives_allowed:
        for index, action in enumerate(actions):
            if action not in READ_ACTIONS:
                fields.fail(
                    f"delegated_actions[{index}]",
                    "not_allowed",
                    f"is {action!r}, but representatives_allowed is false",
                    "only " + ", ".join(READ_ACTIONS) + " (a designated individual's actions)",
                )
    if actions and profile.events_uri is None:
        fields.fail(
            "events_uri",
            "required_by",
            "is missing, so delegation revocations could not reach the portal",
            "an https URI when delegated_actions is not empty",
        )


def _check_frontchannel_origin(fields: ProfileTable, profile: PortalProfile) -> None:
    """OpenID Connect Front-Channel Logout 1.0 §2: same scheme, host and port as a
    registered redirect URI."""
    uri = profile.frontchannel_logout_uri
    if uri is not None and origin(uri) not in {origin(r) for r in profile.redirect_uris}:
        fields.fail(
            "frontchannel_logout_uri",
            "mismatch",
            "is on another origin than every redirect URI",
            "a URI with the scheme, host and port of a redirect URI",
        )


_WHOLE_PROFILE_CHECKS: tuple[Callable[[ProfileTable, PortalProfile], None], ...] = (
    _check_slug_names_the_file,
    _check_subject_type,
    _check_grants,
    _check_delegation,
    _check_frontchannel_origin,
)
