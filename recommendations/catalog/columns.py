"""Which column of a catalog file holds which track field, found by name.

Catalogs in the wild name the same thing differently (`track_id`, `id`, `uri`; `artists`,
`artist_name`; `length`, `duration_ms`...). Each field lists the names we know, best first;
the first one the header holds wins.
"""
from __future__ import annotations

from dataclasses import dataclass

# Our field -> the column names that hold it, in order of preference.
ALIASES: dict[str, tuple[str, ...]] = {
    "spotify_id": ("spotify_id", "track_id", "id", "uri", "track_uri"),
    "name": ("track_name", "name", "title"),
    "artists": ("artists", "artist_name", "artist_names", "artist"),
    "album": ("album_name", "album"),
    "genres": ("genres", "track_genre", "genre"),
    "duration_ms": ("duration_ms", "length"),
    "valence": ("valence",),
    "energy": ("energy",),
    "danceability": ("danceability",),
    "acousticness": ("acousticness",),
    "instrumentalness": ("instrumentalness",),
    "speechiness": ("speechiness",),
    "tempo": ("tempo",),
    "loudness": ("loudness",),
    "mode": ("mode",),
    "key": ("key",),
    "explicit": ("explicit",),
    "release_year": ("release_year", "year", "release_date"),
    "image_url": ("image_url", "album_image", "album_image_url", "artwork_url", "album_art", "cover_url"),
}
FIELDS = tuple(ALIASES)
REQUIRED = ("spotify_id", "name", "valence", "energy")
LABELS = {"spotify_id": "track id", "name": "name", "duration_ms": "duration", "release_year": "release year", "image_url": "artwork"}

UNMAPPED_HEADER = "Unrecognised header ({header}): no column for {missing}."


class HeaderError(ValueError):
    """The header lacks a column for a field every row needs."""


@dataclass(frozen=True)
class ColumnMap:
    """Our field -> (the file's column name, its position), for the fields the file has."""

    columns: dict[str, tuple[str, int]]
    width: int

    def describe(self) -> str:
        """'Columns: track id <- track_id, name <- track_name, ...' for the report."""
        return "Columns: " + ", ".join(f"{label(field)} <- {name}" for field, (name, _) in self.columns.items())


def label(field: str) -> str:
    return LABELS.get(field, field)


def normalise(column: str) -> str:
    return column.strip().lower().replace(" ", "_").replace("-", "_")


def map_columns(header: list[str]) -> ColumnMap:
    """Find each field's column in the header. Raises HeaderError naming the required fields it lacks."""
    position: dict[str, int] = {}
    for index, column in enumerate(header):
        position.setdefault(normalise(column), index)
    columns: dict[str, tuple[str, int]] = {}
    for field, names in ALIASES.items():
        found = next((name for name in names if name in position), None)
        if found is not None:
            columns[field] = (header[position[found]].strip(), position[found])
    missing = [label(field) for field in REQUIRED if field not in columns]
    if missing:
        shown = ", ".join(header[:20]) or "empty"
        raise HeaderError(UNMAPPED_HEADER.format(header=shown, missing=", ".join(missing)))
    return ColumnMap(columns=columns, width=len(header))
