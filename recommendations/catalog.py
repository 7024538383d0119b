"""Reading song catalogs: the CSV layouts we know, row validation, and the batched upsert.

`import_csv` streams a file of any size in bounded memory: it holds one batch of rows at a
time and reports each rejected row by line as it goes.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import reset_queries, transaction
from django.utils import timezone

from recommendations.models import Track

SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")
PITCH_CLASSES = {"C": 0, "C#": 1, "D": 2, "D#": 3, "E": 4, "F": 5, "F#": 6, "G": 7, "G#": 8, "A": 9, "A#": 10, "B": 11}
FLAT_NAMES = {"DB": 1, "EB": 3, "GB": 6, "AB": 8, "BB": 10}
UNIT = (0.0, 1.0)
RANGES: dict[str, tuple[float, float]] = {
    "valence": UNIT, "energy": UNIT, "danceability": UNIT, "acousticness": UNIT,
    "instrumentalness": UNIT, "speechiness": UNIT, "tempo": (0.0, 300.0), "loudness": (-70.0, 10.0),
}
# Fields a row from a file may bring; all of them are written on upsert when present.
TRACK_FIELDS = ("name", "artists", "album", "genres", "duration_ms", *RANGES, "mode", "key")
REQUIRED_FEATURES = ("valence", "energy")
BATCH_SIZE = 2000


class UnknownLayoutError(ValueError):
    """The header matches none of the layouts we import."""


class RowError(ValueError):
    """One row cannot be imported; the message says why, for the report."""


@dataclass(frozen=True)
class Layout:
    name: str
    needs: frozenset[str]
    columns: dict[str, str]  # our field -> the file's column

    def matches(self, header: set[str]) -> bool:
        return self.needs <= header


_KAGGLE_COLUMNS = {
    "spotify_id": "track_id", "name": "track_name", "artists": "artist_name", "genres": "genre",
    "duration_ms": "duration_ms", "key": "key", "mode": "mode", **{f: f for f in RANGES},
}
LAYOUTS = (
    # Kaggle "SpotifyFeatures.csv", with `genre` first; the 11k sample has the same columns without it.
    Layout("kaggle-spotifyfeatures", frozenset({"genre", "track_id", "track_name", "artist_name", "valence", "energy"}), _KAGGLE_COLUMNS),
    Layout("kaggle-tracks", frozenset({"track_id", "track_name", "artist_name", "valence", "energy"}), _KAGGLE_COLUMNS),
    # The original proof of concept's dataset: id, genre, track_name, artist_name, valence, energy, label.
    Layout(
        "valence-arousal",
        frozenset({"id", "track_name", "artist_name", "valence", "energy"}),
        {"spotify_id": "id", "name": "track_name", "artists": "artist_name", "genres": "genre", "valence": "valence", "energy": "energy"},
    ),
)


def detect_layout(header: list[str]) -> Layout:
    """The first layout whose columns the header holds. Raises UnknownLayoutError."""
    names = {column.strip().lower() for column in header}
    for layout in LAYOUTS:
        if layout.matches(names):
            return layout
    raise UnknownLayoutError(f"Unrecognised header: {', '.join(header[:20])}")


@dataclass
class ImportReport:
    layout: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        text = (
            f"{self.rows} rows ({self.layout}): {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected."
        )
        if self.reasons:
            text += " Rejected: " + ", ".join(f"{reason} ({n})" for reason, n in self.reasons.most_common()) + "."
        return text


def import_csv(
    path: Path,
    *,
    on_reject: Callable[[int, str], None] = lambda line, message: None,
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Upsert every valid row of a catalog CSV by Spotify id; return the counts.

    `on_reject(line, message)` hears about each rejected row; `progress(bytes)` about bytes
    read. Raises UnknownLayoutError for a header we do not know.
    """
    source = f"file:{path.name}"
    report = ImportReport()
    with open(path, "rb") as handle:
        reader = csv.reader(_decoded_lines(handle, progress))
        header = next(reader, None)
        if header is None:
            raise UnknownLayoutError("The file is empty.")
        layout = detect_layout(header)
        report.layout = layout.name
        index = {column.strip().lower(): i for i, column in enumerate(header)}
        batch: list[dict[str, Any]] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # a blank line is no row
            report.rows += 1
            try:
                batch.append(parse_row(row, layout, index, width=len(header)))
            except RowError as exc:
                report.rejected += 1
                report.reasons[_reason_key(str(exc))] += 1
                on_reject(reader.line_num, str(exc))
            if len(batch) >= batch_size:
                _count(report, upsert_tracks(batch, source=source, features_source=source))
                batch = []
                # With DEBUG on, Django keeps every query's SQL: hundreds of MB over a million rows.
                reset_queries()
        if batch:
            _count(report, upsert_tracks(batch, source=source, features_source=source))
    return report


def _decoded_lines(handle: BinaryIO, progress: Callable[[int], None]) -> Iterator[str]:
    """Text lines from a binary file, without a byte-order mark; undecodable bytes replaced."""
    first = True
    for raw in handle:
        progress(len(raw))
        if first:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
            first = False
        yield raw.decode("utf-8", errors="replace")


def _reason_key(message: str) -> str:
    """The kind of rejection, for the summary: the message without the offending value."""
    return message.split(":")[0]


def _count(report: ImportReport, counts: tuple[int, int, int]) -> None:
    created, updated, unchanged = counts
    report.created += created
    report.updated += updated
    report.unchanged += unchanged


def parse_row(row: list[str], layout: Layout, index: dict[str, int], *, width: int) -> dict[str, Any]:
    """A row of the file as Track field values. Raises RowError saying what is wrong."""
    if len(row) < width:
        raise RowError(f"truncated row: {len(row)} of {width} columns")
    cells = {ours: row[index[theirs]].strip() for ours, theirs in layout.columns.items() if theirs in index}
    spotify_id = cells.get("spotify_id", "")
    if not spotify_id:
        raise RowError("missing track id")
    if not SPOTIFY_ID.match(spotify_id):
        raise RowError(f"malformed track id: {spotify_id[:40]!r}")
    values: dict[str, Any] = {"spotify_id": spotify_id, "name": cells.get("name", "")[:500]}
    if not values["name"]:
        raise RowError("missing track name")
    values["artists"] = [cells["artists"][:200]] if cells.get("artists") else []
    values["genres"] = [cells["genres"][:100]] if cells.get("genres") else []
    for name, (low, high) in RANGES.items():
        values[name] = _number(cells.get(name, ""), name, low, high)
    for name in REQUIRED_FEATURES:
        if values[name] is None:
            raise RowError(f"missing {name}")
    values["key"] = _key(cells.get("key", ""))
    values["mode"] = _mode(cells.get("mode", ""))
    duration = _number(cells.get("duration_ms", ""), "duration_ms", 0, 24 * 3600 * 1000)
    values["duration_ms"] = int(duration) if duration is not None else None
    return values


def _number(text: str, name: str, low: float, high: float) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"{name} is not a number: {text[:20]!r}") from None
    if not low <= value <= high:  # NaN fails this too
        raise RowError(f"{name} out of range: {text[:20]}")
    return value


def _key(text: str) -> int | None:
    if not text or text == "-1":
        return None
    if text.isdigit() and 0 <= int(text) <= 11:
        return int(text)
    upper = text.upper().replace("♯", "#").replace("♭", "B")
    if upper in PITCH_CLASSES:
        return PITCH_CLASSES[upper]
    if upper in FLAT_NAMES:
        return FLAT_NAMES[upper]
    raise RowError(f"key not understood: {text[:10]!r}")


def _mode(text: str) -> int | None:
    mode = {"major": 1, "1": 1, "minor": 0, "0": 0}.get(text.lower()) if text else None
    if text and mode is None:
        raise RowError(f"mode not understood: {text[:10]!r}")
    return mode


def upsert_tracks(
    rows: Iterable[dict[str, Any]], *, source: str, features_source: str = ""
) -> tuple[int, int, int]:
    """Create or update tracks by Spotify id; return (created, updated, unchanged).

    Empty values never erase known ones, genres accumulate, and a row that would change
    nothing is not written (so a second import of a file leaves `updated_at` alone).
    `features_source` is recorded when a row brings valence and energy.
    """
    merged = _merge_duplicates(rows)
    existing = {t.spotify_id: t for t in Track.objects.filter(spotify_id__in=list(merged))}
    to_write: list[Track] = []
    created = updated = 0
    now = timezone.now()
    for spotify_id, values in merged.items():
        old = existing.get(spotify_id)
        new = _merged_values(old, values, features_source)
        if old is not None and all(getattr(old, name) == value for name, value in new.items()):
            continue
        created, updated = (created + 1, updated) if old is None else (created, updated + 1)
        to_write.append(Track(spotify_id=spotify_id, source=old.source if old else source, updated_at=now, **new))
    if to_write:
        with transaction.atomic():
            Track.objects.bulk_create(
                to_write, update_conflicts=True, unique_fields=["spotify_id"],
                update_fields=[*TRACK_FIELDS, "scored", "features_source", "updated_at"],
            )
    return created, updated, len(merged) - created - updated


def _merge_duplicates(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One entry per Spotify id; a repeated id (Kaggle lists a track once per genre) adds its genres."""
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        spotify_id = row["spotify_id"]
        if spotify_id in merged:
            kept = merged[spotify_id]
            kept["genres"] = _union(kept.get("genres", []), row.get("genres", []))
            kept.update({k: v for k, v in row.items() if k != "genres" and v not in (None, "", [])})
        else:
            merged[spotify_id] = dict(row)
    return merged


def _merged_values(old: Track | None, values: dict[str, Any], features_source: str) -> dict[str, Any]:
    new: dict[str, Any] = {}
    for name in TRACK_FIELDS:
        value = values.get(name)
        known = getattr(old, name) if old is not None else None
        if name == "genres":
            new[name] = _union(known or [], value or [])
        elif value in (None, "", []):
            new[name] = known if known is not None else _empty(name)
        else:
            new[name] = value
    new["scored"] = new["valence"] is not None and new["energy"] is not None
    brings_features = values.get("valence") is not None and values.get("energy") is not None
    new["features_source"] = features_source if brings_features and features_source else (old.features_source if old else "")
    return new


def _empty(name: str) -> Any:
    return {"name": "", "album": "", "artists": [], "genres": []}.get(name)


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
