"""The French catalogue is complete, placeholders agree, and the template is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
LOCALE = ROOT / "idp" / "locale"
TEMPLATES = ROOT / "idp" / "templates"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# The extraction `make i18n` runs. Babel skips directories starting with "_" unless told
# which to ignore, and the form macros live in `_macros/`.
EXTRACT = [
    "extract",
    "-F",
    "babel.cfg",
    "--no-location",
    "--omit-header",
    "--sort-output",
    "--ignore-dirs",
    ".* __pycache__",
]


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _french():
    return _catalog(LOCALE / "fr" / "LC_MESSAGES" / "messages.po", "fr")


def _template_ids() -> set[str]:
    return {_forms(m.id)[0] for m in _catalog(LOCALE / "messages.pot") if m.id}


def _forms(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's texts: one, or each plural form (`ngettext`)."""
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_a_french_translation_that_is_not_fuzzy():
    missing = [m.id for m in _french() if m.id and (not all(_forms(m.string)) or m.fuzzy)]
    assert not missing, missing


def test_the_french_catalogue_translates_exactly_the_template_messages():
    french = {_forms(m.id)[0] for m in _french() if m.id}
    assert french == _template_ids(), {
        "untranslated": _template_ids() - french,
        "stale": french - _template_ids(),
    }


def test_placeholders_match_between_english_and_french():
    wrong = [
        m.id
        for m in _french()
        if m.id
        for english, french in zip(_forms(m.id), _forms(m.string), strict=False)
        if sorted(PLACEHOLDER.findall(english)) != sorted(PLACEHOLDER.findall(french))
    ]
    assert not wrong, wrong


def test_french_puts_a_non_breaking_space_before_colons_and_inside_guillemets():
    wrong = [
        text
        for m in _french()
        if m.id
        for text in _forms(m.string)
        if re.search(r" :|« | »|«[^\u00a0]|[^\u00a0]»", text)
    ]
    assert not wrong, wrong


def test_french_puts_a_non_breaking_space_before_semicolons_question_and_exclamation_marks():
    """One rule on every page: a form asked "Pour quelles demandes?" above "Que peut
    consulter cette personne ?"."""
    wrong = [
        text
        for m in _french()
        if m.id
        for text in _forms(m.string)
        if re.search(r"[^\u00a0\u202f][;?!]", text)
    ]
    assert not wrong, wrong


def test_french_uses_one_apostrophe_and_one_name_for_the_second_factor():
    """The typographic apostrophe (’), as most messages had; "deuxième facteur", as most
    pages said, never "second facteur" on the next page."""
    wrong = [
        text
        for m in _french()
        if m.id
        for text in _forms(m.string)
        if "'" in text or "second facteur" in text
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
            *EXTRACT,
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    extracted = {_forms(m.id)[0] for m in _catalog(fresh) if m.id}
    assert extracted == _template_ids(), {
        "missing": extracted - _template_ids(),
        "stale": _template_ids() - extracted,
    }


def test_every_template_message_is_in_the_template_including_macros():
    """Guards the `--ignore-dirs` flag: without it `_macros/` is silently skipped."""
    found = set()
    for template in TEMPLATES.rglob("*.html"):
        for _, message, _, _ in extract_from_file(
            "jinja2", template, options={"extensions": "jinja2.ext.i18n"}
        ):
            found.add(message if isinstance(message, str) else message[0])
    assert found - _template_ids() == set()
