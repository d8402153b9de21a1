"""The French catalogue is complete, placeholders agree, and the template is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
LOCALE = ROOT / "idp" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_message_has_a_french_translation_that_is_not_fuzzy():
    catalog = _catalog(LOCALE / "fr" / "LC_MESSAGES" / "messages.po", "fr")
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not missing, missing


def test_placeholders_match_between_english_and_french():
    catalog = _catalog(LOCALE / "fr" / "LC_MESSAGES" / "messages.po", "fr")
    wrong = [
        m.id
        for m in catalog
        if m.id and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))
    ]
    assert not wrong, wrong


def test_message_template_is_up_to_date_with_the_sources(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from babel.messages.frontend import main; main()",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-o",
            str(fresh),
            "--no-location",
            "--omit-header",
            "--sort-output",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    current = {m.id for m in _catalog(LOCALE / "messages.pot") if m.id}
    extracted = {m.id for m in _catalog(fresh) if m.id}
    assert extracted == current, {"missing": extracted - current, "stale": current - extracted}
