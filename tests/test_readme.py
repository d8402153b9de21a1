"""The README tells the truth: its two opening commands and its settings table."""

from __future__ import annotations

import re
from pathlib import Path

from idp.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_opens_with_the_demo_and_test_commands():
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    assert blocks[0].strip() == "make demo"
    assert blocks[1].strip() == "make test"


def test_settings_table_lists_exactly_the_settings_fields():
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(IDP_[A-Z_]+)` \|", section, flags=re.M))
    assert listed == {f"IDP_{name.upper()}" for name in Settings.model_fields}
