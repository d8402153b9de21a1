"""Portal profiles: every portal of the immigration journey, declared once.

- `profiles/<slug>.toml`: one declarative file per portal (names, URIs, scopes, claims,
  representatives and delegated actions, subject type, status labels in English and French).
- `profile.py`: `PortalProfile`, `SubjectType`, `ClientFields`, and the
  accepted vocabularies (`DELEGATED_ACTIONS`, `GRANT_TYPES`, `TOKEN_ENDPOINT_AUTH_METHODS`).
- `loader.py`: `load_portal_profiles` (a folder, by default `PROFILES_FOLDER`, the shipped
  profiles) and `load_portal_profile` (a file).
- `fields.py`: the typed reader of one file's fields, with their limits.
- `errors.py`: `ProfileError`, naming the file, the field and what is accepted.
"""

from adapters.localized_text import LocalizedText
from adapters.portals.errors import ProfileError
from adapters.portals.loader import PROFILES_FOLDER, load_portal_profile, load_portal_profiles
from adapters.portals.profile import (
    DELEGATED_ACTIONS,
    READ_ACTIONS,
    ClientFields,
    PortalProfile,
    SubjectType,
)

__all__ = [
    "DELEGATED_ACTIONS",
    "PROFILES_FOLDER",
    "READ_ACTIONS",
    "ClientFields",
    "LocalizedText",
    "PortalProfile",
    "ProfileError",
    "SubjectType",
    "load_portal_profile",
    "load_portal_profiles",
]
