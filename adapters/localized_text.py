"""`LocalizedText`: one text in the service's two languages (English and French).

Shared by the families that ship bilingual data (portal names and status labels, the
names of membership bodies); only `idp/` chooses which language a person reads.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LocalizedText:
    en: str
    fr: str

    def in_language(self, language: str) -> str:
        """The French text for `fr`, `fr-CA`…; English otherwise."""
        return self.fr if language.lower().startswith("fr") else self.en
