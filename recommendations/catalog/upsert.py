"""The catalog's merge rules, row by row through the ORM: used by the catalog refresh and by
file imports on databases other than PostgreSQL (which merges the same way in SQL, see
`recommendations.catalog.postgres`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone

from recommendations.models import Track

# Fields a row may bring; all of them are written on upsert when present.
TRACK_FIELDS = (
    "name", "artists", "album", "genres", "duration_ms", "valence", "energy", "danceability", "acousticness",
    "instrumentalness", "speechiness", "tempo", "loudness", "mode", "key", "explicit", "release_year",
    "image_url",
)


class Upserted(NamedTuple):
    """Spotify ids by what one upsert did with them."""

    created: set[str]
    updated: set[str]
    seen: set[str]


def upsert_tracks(
    rows: Iterable[dict[str, Any]], *, source: str, features_source: str = ""
) -> tuple[int, int, int]:
    """Create or update tracks by Spotify id; return (created, updated, unchanged).

    Empty values never erase known ones, genres accumulate, and a row that would change
    nothing is not written (so a second import of a file leaves `updated_at` alone).
    `features_source` is recorded when a row brings valence and energy.
    """
    done = upsert_track_ids(rows, source=source, features_source=features_source)
    return len(done.created), len(done.updated), len(done.seen) - len(done.created) - len(done.updated)


def upsert_track_ids(rows: Iterable[dict[str, Any]], *, source: str, features_source: str = "") -> Upserted:
    """`upsert_tracks`, saying which ids it created and updated, for callers that count over
    several batches."""
    merged = merge_duplicates(rows)
    existing = {t.spotify_id: t for t in Track.objects.filter(spotify_id__in=list(merged))}
    to_write: list[Track] = []
    done = Upserted(created=set(), updated=set(), seen=set(merged))
    now = timezone.now()
    for spotify_id, values in merged.items():
        old = existing.get(spotify_id)
        new = _merged_values(old, values, features_source)
        if old is not None and all(getattr(old, name) == value for name, value in new.items()):
            continue
        (done.created if old is None else done.updated).add(spotify_id)
        to_write.append(Track(spotify_id=spotify_id, source=old.source if old else source, updated_at=now, **new))
    if to_write:
        with transaction.atomic():
            Track.objects.bulk_create(
                to_write, update_conflicts=True, unique_fields=["spotify_id"],
                update_fields=[*TRACK_FIELDS, "scored", "features_source", "updated_at"],
            )
    return done


def merge_duplicates(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One entry per Spotify id; a repeated id (Kaggle lists a track once per genre) adds its
    genres, and its other non-empty values win."""
    merged: dict[str, dict[str, Any]] = {}
    for row in rows:
        spotify_id = row["spotify_id"]
        if spotify_id in merged:
            kept = merged[spotify_id]
            kept["genres"] = _union(kept.get("genres") or [], row.get("genres") or [])
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
    return {"name": "", "album": "", "image_url": "", "artists": [], "genres": []}.get(name)


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))
