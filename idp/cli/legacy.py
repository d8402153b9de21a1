"""`idp legacy import FILE`: stage accounts exported from a legacy portal.

Rows go to a staging table, never to accounts: a person links one to their identity
only after proving it (`idp.legacy.linking`). Each batch is its own unit of work, so what
was staged stays staged if the import stops; running it again duplicates nothing. Bad
rows are reported with their line number and the others still load; the exit code is 1
when any row was rejected, 2 when the file could not be read to its end.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session, sessionmaker

from idp.cli.output import JsonOption, components, fail
from idp.db import unit_of_work
from idp.errors import InvalidInput
from idp.legacy.importer import (
    BATCH_ROWS,
    LegacyPortal,
    SeenUsernames,
    resolve_legacy_portal,
    stage_batch,
)
from idp.legacy.rows import (
    FORMATS,
    ExportUnreadable,
    LegacyRow,
    RowProblem,
    detect_format,
    read_export,
)

app = typer.Typer(help="Accounts exported from legacy portals.", no_args_is_help=True)
MAX_LISTED_PROBLEMS = 1_000


@dataclass
class ImportSummary:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    rejected: int = 0
    stopped: str | None = None  # why the file could not be read to its end

    def reject(self, problem: RowProblem) -> None:
        self.rejected += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, object]:
        problems = [
            {"line": p.line, "field": f, "message": m} for p in self.problems for f, m in p.problems
        ]
        counts = ("read", "inserted", "updated", "unchanged", "rejected")
        return {
            **{k: getattr(self, k) for k in counts},
            "problems": problems,
            "stopped": self.stopped,
        }


def _until_unreadable(
    items: Iterable[LegacyRow | RowProblem], summary: ImportSummary
) -> Iterator[LegacyRow | RowProblem]:
    """The rows until the file cannot be read further: those before still get staged."""
    try:
        yield from items
    except ExportUnreadable as error:
        summary.stopped = str(error)


def _batches(
    items: Iterable[LegacyRow | RowProblem], summary: ImportSummary
) -> Iterator[list[LegacyRow]]:
    """Rows in batches of `BATCH_ROWS`; problems (and repeated usernames) go to `summary`."""
    seen = SeenUsernames()
    checked = (seen.check(item) for item in _until_unreadable(items, summary))
    while batch := list(islice(checked, BATCH_ROWS)):
        summary.read += len(batch)
        for problem in (i for i in batch if isinstance(i, RowProblem)):
            summary.reject(problem)
        yield [i for i in batch if isinstance(i, LegacyRow)]


def import_rows(
    factory: sessionmaker[Session],
    items: Iterable[LegacyRow | RowProblem],
    portal: LegacyPortal,
    now: datetime,
    on_batch: Callable[[int], None] = lambda _rows: None,
) -> ImportSummary:
    """Stage every row, one unit of work per batch; `on_batch` hears how many were read."""
    summary = ImportSummary()
    for batch in _batches(items, summary):
        with unit_of_work(factory) as db:
            counts = stage_batch(db, portal, batch, now)
        summary.inserted += counts.inserted
        summary.updated += counts.updated
        summary.unchanged += counts.unchanged
        on_batch(summary.read)
    return summary


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _report(summary: ImportSummary, portal: LegacyPortal, path: Path) -> None:
    err = Console(stderr=True, highlight=False)
    for problem in summary.problems:
        err.print(problem.describe(), markup=False)
    if summary.rejected > len(summary.problems):
        err.print(f"... and {summary.rejected - len(summary.problems)} more rejected rows")
    if summary.stopped:
        err.print(f"stopped: {summary.stopped}", markup=False)
    typer.echo(f"{path.name} into {portal.name} ({portal.slug}):")
    for label, value in (
        ("rows read", summary.read), ("staged, new", summary.inserted),
        ("updated", summary.updated), ("unchanged", summary.unchanged),
        ("rejected", summary.rejected),
    ):  # fmt: skip
        typer.echo(f"  {label:<12}{value:>12,}")


@app.command("import")
def legacy_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The export file.")],
    portal: Annotated[str, typer.Option(help="The legacy portal's profile slug.")] = "mycic",
    format_: Annotated[
        str | None, typer.Option("--format", help="csv, json or jsonl (default: the extension).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Stage a legacy portal's exported accounts (CSV, JSON or JSON Lines)."""
    chosen = format_ or detect_format(file)
    if chosen not in FORMATS:
        fail("format", f"--format must be one of {', '.join(FORMATS)}", as_json)
    with components() as parts:
        try:
            with unit_of_work(parts.session_factory) as db:
                target = resolve_legacy_portal(db, portal)
        except InvalidInput as error:
            fail(error.field, error.message, as_json)
        summary = _run(parts.session_factory, file, chosen, target, parts.clock.now(), as_json)
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        _report(summary, target, file)
    if summary.stopped or summary.rejected:
        raise typer.Exit(code=2 if summary.stopped else 1)


def _run(
    factory: sessionmaker[Session], file: Path, format_: str, portal: LegacyPortal,
    now: datetime, quiet: bool,
) -> ImportSummary:  # fmt: skip
    progress = Progress(
        TextColumn("staging"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), disable=quiet, transient=False,
    )  # fmt: skip
    with progress:
        task = progress.add_task("rows", total=max(count_lines(file) - (format_ == "csv"), 1))
        try:
            return import_rows(
                factory, read_export(file, format_), portal, now,
                lambda read: progress.update(task, completed=read),
            )  # fmt: skip
        except UnicodeDecodeError as error:
            fail("file", f"{file} is not UTF-8 text: {error}", quiet)
