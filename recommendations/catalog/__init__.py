"""Song catalogs: importing a CSV of any common layout, and the upsert that merges tracks.

`import_csv` streams a file of any size in bounded memory and reports each rejected row by
line as it goes. Columns are found by name (`recommendations.catalog.columns`) and rows
parsed once (`.rows`); PostgreSQL then takes them all through COPY and one set-based upsert
(`.postgres`), other databases in batches through the ORM (`.upsert`), with the same rules.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import connection, reset_queries

from recommendations.catalog.columns import FIELDS, HeaderError
from recommendations.catalog.postgres import copy_upsert
from recommendations.catalog.rows import NUMBERS, Row, open_catalog
from recommendations.catalog.upsert import upsert_track_ids, upsert_tracks

__all__ = ["BATCH_SIZE", "HeaderError", "ImportReport", "import_csv", "upsert_tracks"]

BATCH_SIZE = 2000


@dataclass
class ImportReport:
    columns: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        text = (
            f"{self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected."
        )
        if self.reasons:
            text += " Rejected: " + ", ".join(f"{reason} ({n})" for reason, n in self.reasons.most_common()) + "."
        if self.unchanged and not self.created and not self.updated:
            text += " Nothing changed: the catalog already holds this file."
        return text

    def count(self, counts: tuple[int, int, int]) -> None:
        created, updated, unchanged = counts
        self.created += created
        self.updated += updated
        self.unchanged += unchanged


def import_csv(
    path: Path,
    *,
    on_reject: Callable[[int, str], None] = lambda line, message: None,
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Upsert every valid row of a catalog CSV by Spotify id; return the counts.

    `on_reject(line, message)` hears about each rejected row; `progress(bytes)` about bytes
    read. `batch_size` applies outside PostgreSQL. Raises HeaderError for a header that lacks
    a required field.
    """
    source = f"file:{path.name}"
    report = ImportReport()

    def reject(line: int, message: str) -> None:
        report.rejected += 1
        report.reasons[message.split(":")[0]] += 1  # the kind of rejection, without the value
        on_reject(line, message)

    with open_catalog(path) as catalog:
        report.columns = catalog.columns.describe()
        rows = _counted(catalog.rows(on_reject=reject, progress=progress), report)
        if connection.vendor == "postgresql":
            report.count(copy_upsert(rows, source=source))
        else:
            _upsert_in_batches(rows, report, source=source, batch_size=batch_size)
    report.rows += report.rejected
    return report


def _upsert_in_batches(rows: Iterator[Row], report: ImportReport, *, source: str, batch_size: int) -> None:
    """Batch after batch in file order; a track that a later batch meets again counts once, as
    in one pass (so these sets grow with the file: this path is for small catalogs)."""
    created: set[str] = set()
    updated: set[str] = set()
    seen: set[str] = set()
    for batch in _batches(rows, batch_size):
        done = upsert_track_ids(batch, source=source, features_source=source)
        created |= done.created
        updated |= done.updated
        seen |= done.seen
        # With DEBUG on, Django keeps every query's SQL: hundreds of MB over a million rows.
        reset_queries()
    updated -= created
    report.count((len(created), len(updated), len(seen) - len(created) - len(updated)))


def _counted(rows: Iterator[Row], report: ImportReport) -> Iterator[Row]:
    for row in rows:
        report.rows += 1
        yield row


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[dict[str, object]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield [_as_python(row.values) for row in batch]


def _as_python(values: list[object]) -> dict[str, object]:
    """A parsed row as Track field values: numbers checked as text become floats."""
    row = dict(zip(FIELDS, values, strict=True))
    for name in NUMBERS:
        if row[name] is not None:
            row[name] = float(row[name])  # type: ignore[arg-type]
    return row
