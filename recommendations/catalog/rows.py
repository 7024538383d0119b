"""Reading a catalog file's rows: one converter per mapped column, shared by both import paths.

A million-row import spends most of its Python time here, so each column's converter is
chosen once from the header and a row is one pass over them.
"""
from __future__ import annotations

import ast
import csv
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, TextIO

from recommendations.catalog.columns import FIELDS, ColumnMap, HeaderError, map_columns

SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")
# spotify:track:<id>, or an open.spotify.com link (a locale segment and a query string are common in shared links).
SPOTIFY_REFERENCE = re.compile(r"(?:spotify:track:|https?://open\.spotify\.com/(?:intl-[\w-]+/)?track/)([0-9A-Za-z]{22})(?:\?.*)?")
PITCH_CLASSES = {"C": 0, "C#": 1, "D": 2, "D#": 3, "E": 4, "F": 5, "F#": 6, "G": 7, "G#": 8, "A": 9, "A#": 10, "B": 11}
FLAT_NAMES = {"DB": 1, "EB": 3, "GB": 6, "AB": 8, "BB": 10}
BOOLEANS = {"true": True, "True": True, "1": True, "false": False, "False": False, "0": False}
MODES = {"Major": 1, "major": 1, "1": 1, "Minor": 0, "minor": 0, "0": 0}
KEYS = {**{str(n): n for n in range(12)}, **PITCH_CLASSES, "": None, "-1": None}
UNIT = (0.0, 1.0)
RANGES: dict[str, tuple[float, float]] = {
    "valence": UNIT, "energy": UNIT, "danceability": UNIT, "acousticness": UNIT,
    "instrumentalness": UNIT, "speechiness": UNIT, "tempo": (0.0, 300.0), "loudness": (-70.0, 10.0),
}
NUMBERS = tuple(RANGES)  # the audio features, passed on as checked text
DURATIONS = (0.0, 24 * 3600 * 1000.0)
YEARS = (1000, 2100)
MAX_LENGTHS = {"name": 500, "album": 500, "artists": 200, "genres": 100, "image_url": 500}
PROGRESS_EVERY = 10_000  # rows between progress reports

Convert = Callable[[str], Any]


class RowError(ValueError):
    """One row cannot be imported; the message says why, for the report."""


class Row(NamedTuple):
    line: int  # the file's line number where the row ends
    values: list[Any]  # aligned with FIELDS; None where the file has no value; numbers as checked text


@contextmanager
def open_catalog(path: Path) -> Iterator[CatalogFile]:
    """Open a catalog CSV and map its header. Raises HeaderError for a header that lacks a
    required field, or an empty file."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise HeaderError("The file is empty.")
        yield CatalogFile(handle, reader, map_columns(header))


class CatalogFile:
    def __init__(self, handle: TextIO, reader: Any, columns: ColumnMap) -> None:
        self._handle = handle
        self._reader = reader
        self.columns = columns

    def rows(self, *, on_reject: Callable[[int, str], None], progress: Callable[[int], None]) -> Iterator[Row]:
        """Yield each valid row, streaming; blank lines are skipped. `on_reject(line, message)`
        hears each rejected row, `progress(bytes)` the bytes read."""
        parse = row_parser(self.columns)
        reader = self._reader
        reported = 0
        for count, cells in enumerate(reader, 1):
            try:
                yield Row(reader.line_num, parse(cells))
            except RowError as exc:
                if any(cell.strip() for cell in cells):  # a blank line is no row
                    on_reject(reader.line_num, str(exc))
            if count % PROGRESS_EVERY == 0:
                reported = _report_progress(self._handle.buffer.tell(), reported, progress)
        _report_progress(self._handle.buffer.tell(), reported, progress)


def _report_progress(position: int, reported: int, progress: Callable[[int], None]) -> int:
    progress(position - reported)
    return position


def row_parser(columns: ColumnMap) -> Callable[[list[str]], list[Any]]:
    """A function from a row's cells to its values in FIELDS order. It raises RowError."""
    # A field the file lacks reads column 0 and ignores it: one shape of step keeps the loop tight.
    plan = [
        (columns.columns[field][1], CONVERTERS[field]) if field in columns.columns else (0, _absent) for field in FIELDS
    ]
    width = columns.width

    def parse(cells: list[str]) -> list[Any]:
        if len(cells) < width:
            raise RowError(f"truncated row: {len(cells)} of {width} columns")
        return [convert(cells[position]) for position, convert in plan]

    return parse


def _absent(text: str) -> None:
    return None


def spotify_id(text: str) -> str:
    if len(text) == 22 and text.isascii() and text.isalnum():  # the usual case, cheaper than the pattern
        return text
    text = text.strip()
    if SPOTIFY_ID.fullmatch(text):
        return text
    if not text:
        raise RowError("missing track id")
    reference = SPOTIFY_REFERENCE.fullmatch(text)
    if reference is None:
        raise RowError(f"malformed track id: {text[:40]!r}")
    return reference[1]


def _text(cell: str) -> str:
    """A cell without surrounding blanks or NUL characters (PostgreSQL refuses those in text)."""
    return cell.strip() if "\x00" not in cell else cell.replace("\x00", "").strip()


def track_name(text: str) -> str:
    text = _text(text)
    if not text:
        raise RowError("missing track name")
    return text[: MAX_LENGTHS["name"]]


def album(text: str) -> str | None:
    return _text(text)[: MAX_LENGTHS["album"]] or None


def names(field: str) -> Convert:
    """Artists or genres: one name, several separated by ";" (the Kaggle tracks dataset), or a
    Python/JSON list ("['A', 'B']"). A comma is part of a name ("Crosby, Stills")."""
    limit = MAX_LENGTHS[field]

    def convert(text: str) -> list[str]:
        text = _text(text)
        if text.startswith("[") and text.endswith("]"):
            parts = _listed(text)
        elif ";" in text:
            parts = text.split(";")
        else:
            return [text[:limit]] if text else []
        return list(dict.fromkeys([part.strip()[:limit] for part in parts if part and not part.isspace()]))

    return convert


def _listed(text: str) -> list[str]:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return [text]  # a name in brackets, like "[dunkelbunt]"
    return [_text(str(item)) for item in value] if isinstance(value, list | tuple) else [text]


def number(field: str, low: float, high: float, *, required: bool = False) -> Convert:
    """A checked number, kept as the file wrote it: COPY hands that text to PostgreSQL as is, and
    formatting a float back to text would cost more than all the checking."""

    def convert(text: str) -> str | None:
        try:
            value = float(text)
        except ValueError:
            if not text.strip():
                if required:
                    raise RowError(f"missing {field}") from None
                return None
            raise RowError(f"{field} is not a number: {text.strip()[:20]!r}") from None
        if not low <= value <= high:  # NaN fails this too
            raise RowError(f"{field} out of range: {text.strip()[:20]}")
        if not text.isascii() or "_" in text:  # Python reads "1_000" and other scripts' digits, PostgreSQL does not
            return repr(value)
        return text.strip()

    return convert


def duration_ms(text: str) -> int | None:
    value = _duration(text)
    return int(float(value)) if value is not None else None


_duration = number("duration_ms", *DURATIONS)


def key(text: str) -> int | None:
    if text in KEYS:  # the usual spellings, without the work below
        return KEYS[text]
    text = text.strip()
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


def mode(text: str) -> int | None:
    return _word(text, MODES, "mode")


def explicit(text: str) -> bool | None:
    return _word(text, BOOLEANS, "explicit")


def _word(text: str, words: dict[str, Any], name: str) -> Any:
    """The value a cell's word stands for ("Major", "true"...); None for an empty cell."""
    if text in words:
        return words[text]
    text = text.strip()
    value = words.get(text.lower()) if text else None
    if text and value is None:
        raise RowError(f"{name} not understood: {text[:10]!r}")
    return value


def release_year(text: str) -> int | None:
    """The year of '2019-05-10', '2019-05', '2019' or '2019.0'; '0000' (a common placeholder) is unknown."""
    text = text.strip()
    if not text:
        return None
    if not text[:4].isdigit() or text[4:5] not in ("", "-", "."):
        raise RowError(f"release date not understood: {text[:12]!r}")
    year = int(text[:4])
    if year == 0:
        return None
    if not YEARS[0] <= year <= YEARS[1]:
        raise RowError(f"release year out of range: {text[:12]}")
    return year


def artwork(text: str) -> str | None:
    """An album image's https address. Anything else is left out, not the row: a track
    plays without its artwork, and the page shows a drawn note instead."""
    url = _text(text)
    if url.startswith("https://") and len(url) <= MAX_LENGTHS["image_url"] and not any(c.isspace() for c in url):
        return url
    return None


CONVERTERS: dict[str, Convert] = {
    "spotify_id": spotify_id,
    "name": track_name,
    "artists": names("artists"),
    "album": album,
    "genres": names("genres"),
    "duration_ms": duration_ms,
    **{field: number(field, low, high, required=field in ("valence", "energy")) for field, (low, high) in RANGES.items()},
    "mode": mode,
    "key": key,
    "explicit": explicit,
    "release_year": release_year,
    "image_url": artwork,
}
