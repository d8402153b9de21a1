"""Draft a migration with autogenerate against an empty SQLite database upgraded to head.

`--regenerate-initial` rewrites the single initial revision from the models; it exists
only until the first release, after which every change is a new revision to read and edit.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from idp.migrations.runner import alembic_config, upgrade_database

VERSIONS = Path(__file__).resolve().parent / "versions"


def main(argv: list[str]) -> None:
    regenerate = "--regenerate-initial" in argv
    names = [a for a in argv if not a.startswith("--")]
    if regenerate:
        for old in VERSIONS.glob("*.py"):
            old.unlink()
        message = "create initial tables"
    elif names:
        message = names[0]
    else:
        raise SystemExit('usage: make migration NAME="what it does"')
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/draft.sqlite3"
        engine = create_engine(url)
        upgrade_database(engine)
        config = alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main(sys.argv[1:])
