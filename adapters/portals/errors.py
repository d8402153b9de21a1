"""The portal-profile error: one class, since every failure is "this file is wrong here".

    ProfileError (code "invalid_portal_profile")
        .path      the profile file (or folder) that failed
        .field     the dotted field, e.g. `statuses.in_review.fr`, or `(file)` for the file
        .reason    stable snake_case: unknown_key, missing_field, wrong_type, empty, too_long,
                   too_many, duplicate, bad_format, unknown_value, not_https, bad_uri,
                   mismatch, not_allowed, required_by, not_found
        .accepted  what would have been accepted, in words

The message joins them: `ircc-portal.toml: redirect_uris[0] must use https (...); accepted:
...`, so an operator fixes the file without reading code.
"""

from __future__ import annotations

from pathlib import Path


class ProfileError(Exception):
    code = "invalid_portal_profile"

    def __init__(self, path: Path, field: str, reason: str, problem: str, accepted: str) -> None:
        self.path = path
        self.field = field
        self.reason = reason
        self.accepted = accepted
        super().__init__(f"{path.name}: {field} {problem}; accepted: {accepted}")
