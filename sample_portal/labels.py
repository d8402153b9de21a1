"""The names of the program and status codes this portal reports, from its profile.

A portal registered from a profile (`adapters/portals/profiles/<slug>.toml`, applied by
`idp portals sync`) names its program and status codes there, in English and French, and
Passerelle shows those names. This portal reads the same file (`PORTAL_PROFILE`), only
its `[programs]` and `[statuses]` tables, with the standard library: it imports nothing of
Passerelle. A code the profile does not list, or any code when no profile is given, is
shown as sent, as Passerelle shows it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class LabelsError(ValueError):
    """The profile cannot be read, or a label is not `{ en = "...", fr = "..." }`."""


@dataclass(frozen=True, slots=True)
class Label:
    en: str
    fr: str


@dataclass(frozen=True, slots=True)
class Labels:
    programs: Mapping[str, Label] = field(default_factory=dict)
    statuses: Mapping[str, Label] = field(default_factory=dict)

    def program(self, code: str) -> Label:
        return self.programs.get(code) or Label(code, code)

    def status(self, code: str) -> Label:
        return self.statuses.get(code) or Label(code, code)


def _table(profile: Mapping[str, object], name: str) -> dict[str, Label]:
    table = profile.get(name, {})
    if not isinstance(table, Mapping):
        raise LabelsError(f"[{name}] is not a table")
    labels = {}
    for code, label in table.items():
        if not (
            isinstance(label, Mapping)
            and isinstance(label.get("en"), str)
            and isinstance(label.get("fr"), str)
        ):
            raise LabelsError(f'{name}.{code} is not {{ en = "...", fr = "..." }}')
        labels[code] = Label(label["en"], label["fr"])
    return labels


def load_labels(path: Path) -> Labels:
    """The `[programs]` and `[statuses]` labels of the profile at `path`."""
    try:
        profile = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise LabelsError(f"is not a readable TOML profile: {error}") from None
    return Labels(programs=_table(profile, "programs"), statuses=_table(profile, "statuses"))
