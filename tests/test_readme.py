"""The README tells the truth: its two opening commands, its settings table, and the
`make help` it points to."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from idp.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_opens_with_the_demo_and_test_commands():
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    assert blocks[0].strip() == "make demo"
    assert blocks[1].strip() == "make test"


def test_settings_table_lists_exactly_the_settings_fields():
    section = README.split("## Settings", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `(IDP_[A-Z_]+)` \|", section, flags=re.M))
    assert listed == {f"IDP_{name.upper()}" for name in Settings.model_fields}


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_the_development_tasks():
    listed = subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", "-C", str(ROOT), "help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    targets = set(re.findall(r"^  ([a-z0-9-]+) ", listed, flags=re.M))
    assert {"setup", "serve", "demo", "test", "lint", "fmt", "upgrade", "i18n", "bench"} <= targets
