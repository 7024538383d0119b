"""Importing parsed rows into PostgreSQL in bulk: COPY into a staging table, then one
set-based upsert that follows the same rules as `upsert_tracks`:

- empty values never erase known ones; genres accumulate as a union, in first-seen order;
- a repeated id in the file (Kaggle lists a track once per genre) is merged first: genres
  accumulate, a later non-empty value wins;
- every file row brings valence and energy (they are required), so a written track is
  scored and its `features_source` is the file;
- a row that would change nothing is not written, so `updated_at` stays.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connection, transaction

from recommendations.catalog.columns import FIELDS
from recommendations.catalog.rows import Row

COPY_ROWS_PER_CHUNK = 2_000
WORK_MEM = "64MB"
STAGING = "import_tracks_staging"
REPEATED = "import_tracks_repeated"
SQL_TYPES = {
    "spotify_id": "text", "name": "text", "artists": "jsonb", "album": "text", "genres": "jsonb",
    "duration_ms": "integer", "mode": "smallint", "key": "smallint", "explicit": "boolean", "release_year": "smallint",
    "image_url": "text",
}
LIST_FIELDS = ("artists", "genres")
PLAIN = re.compile(r'[^"\\\x00-\x1f]*')  # needs no escaping inside a JSON string
# Staged NULL (the file brings nothing) becomes these on insert, as the model's defaults do.
DEFAULTS = {"artists": "'[]'::jsonb", "genres": "'[]'::jsonb", "album": "''", "image_url": "''"}


def copy_upsert(rows: Iterable[Row], *, source: str) -> tuple[int, int, int]:
    """Write every row in one transaction; return (created, updated, unchanged) tracks."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Sorting and hashing a million rows in the default 4 MB spills to disk; compiling the
        # upsert (JIT) took 4 s and saved less.
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"CREATE TEMP TABLE {STAGING} (line integer, {_staging_columns()}) ON COMMIT DROP")
        staged = _CopySource(rows)
        cursor.cursor.copy_expert(f"COPY {STAGING} FROM STDIN (FORMAT csv)", staged)
        distinct = staged.rows - _set_repeated_rows_apart(cursor)
        cursor.execute(UPSERT, {"source": source})
        created, updated = cursor.fetchone()
        # ON COMMIT DROP is not enough inside an outer transaction (a test, a caller's atomic block).
        cursor.execute(f"DROP TABLE {STAGING}, {REPEATED}")
    return created, updated, distinct - created - updated


def _set_repeated_rows_apart(cursor: Any) -> int:
    """Copy the rows whose id the file repeats into their own small table, to merge them apart
    from the rest; return how many rows the merge will save."""
    cursor.execute(f"ANALYZE {STAGING} (spotify_id)")  # a temporary table has no statistics otherwise
    cursor.execute(
        f"CREATE TEMP TABLE {REPEATED} ON COMMIT DROP AS SELECT * FROM {STAGING} WHERE spotify_id IN "
        f"(SELECT spotify_id FROM {STAGING} GROUP BY spotify_id HAVING count(*) > 1)"
    )
    cursor.execute(f"ANALYZE {REPEATED}")
    cursor.execute(f"SELECT count(*) - count(DISTINCT spotify_id) FROM {REPEATED}")
    return int(cursor.fetchone()[0])


def _staging_columns() -> str:
    return ", ".join(f"{field} {SQL_TYPES.get(field, 'double precision')}" for field in FIELDS)


class _CopySource:
    """A file-like object for copy_expert that renders rows as CSV as COPY asks for them, so
    memory holds one chunk, never the file."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self.rows = 0
        self._chunks = self._render(rows)

    def read(self, size: int = -1) -> str:
        return next(self._chunks, "")

    def _render(self, rows: Iterable[Row]) -> Iterator[str]:
        lines: list[str] = []
        writer = csv.writer(_Appender(lines), lineterminator="\n")
        lists = [FIELDS.index(f) for f in LIST_FIELDS]
        for line, values in rows:
            for index in lists:
                values[index] = _json_list(values[index])
            writer.writerow((line, *values))
            self.rows += 1
            if len(lines) >= COPY_ROWS_PER_CHUNK:
                yield "".join(lines)
                lines.clear()
        if lines:
            yield "".join(lines)


class _Appender:
    def __init__(self, lines: list[str]) -> None:
        self.write = lines.append


def _json_list(names: list[str]) -> str | None:
    if not names:
        return None
    if len(names) == 1 and PLAIN.fullmatch(names[0]):
        return f'["{names[0]}"]'  # the common case, without json.dumps's cost
    return json.dumps(names, ensure_ascii=False)


def _last_non_empty(field: str) -> str:
    return f"(array_agg(r.{field} ORDER BY r.line DESC) FILTER (WHERE r.{field} IS NOT NULL))[1]"


def _merged_rows() -> str:
    """Staged rows, one per Spotify id (repeated ids merged, genres in first-seen order), with
    the defaults of an empty value filled in."""
    return f"""
        SELECT {", ".join(f"COALESCE({f}, {DEFAULTS[f]}) AS {f}" if f in DEFAULTS else f for f in FIELDS)} FROM (
            SELECT {", ".join(FIELDS)} FROM {STAGING} s
            WHERE NOT EXISTS (SELECT 1 FROM {REPEATED} r WHERE r.spotify_id = s.spotify_id)
            UNION ALL
            SELECT r.spotify_id, {", ".join(_last_non_empty(f) if f != "genres" else "g.genres" for f in FIELDS[1:])}
            FROM {REPEATED} r LEFT JOIN ({_repeated_genres()}) g USING (spotify_id)
            GROUP BY r.spotify_id, g.genres
        ) staged
    """


def _repeated_genres() -> str:
    return f"""
        SELECT spotify_id, jsonb_agg(genre ORDER BY first_seen) AS genres FROM (
            SELECT r.spotify_id, e.genre, min(r.line::bigint * 10000 + e.position) AS first_seen
            FROM {REPEATED} r, jsonb_array_elements(r.genres) WITH ORDINALITY AS e(genre, position)
            GROUP BY r.spotify_id, e.genre
        ) genre_seen GROUP BY spotify_id
    """


def _new_value(field: str, row: str) -> str:
    """What a known track's field becomes when `row` (a merged file row) meets it."""
    if field == "genres":
        return (
            f"CASE WHEN {row}.genres <@ t.genres THEN t.genres ELSE t.genres || ("
            f"SELECT jsonb_agg(e.genre ORDER BY e.position) FROM jsonb_array_elements({row}.genres) "
            "WITH ORDINALITY AS e(genre, position) WHERE NOT t.genres @> jsonb_build_array(e.genre)) END"
        )
    if field in DEFAULTS:  # the default stands for "no value"
        return f"CASE WHEN {row}.{field} = {DEFAULTS[field]} THEN t.{field} ELSE {row}.{field} END"
    return f"COALESCE({row}.{field}, t.{field})"


WRITTEN = [*FIELDS[1:], "scored", "features_source"]


def _changes(row: str) -> str:
    """True when `row` would change the known track `t`."""
    new_values = [*(_new_value(f, row) for f in FIELDS[1:]), "true", "%(source)s"]
    return f"({', '.join(f't.{f}' for f in WRITTEN)}) IS DISTINCT FROM ({', '.join(new_values)})"


def _upsert() -> str:
    """Insert new tracks, update changed ones, and count both. Unchanged rows are dropped before
    the INSERT: ON CONFLICT DO UPDATE locks (so writes) every row it meets, even when its WHERE
    then declines the update."""
    settings = ", ".join(f"{f} = {_new_value(f, 'EXCLUDED')}" for f in FIELDS[1:])
    return f"""
        WITH merged AS ({_merged_rows()}),
        incoming AS (
            SELECT m.* FROM merged m LEFT JOIN recommendations_track t USING (spotify_id)
            WHERE t.id IS NULL OR {_changes("m")}
        ),
        written AS (
            INSERT INTO recommendations_track AS t
                ({", ".join(FIELDS)}, scored, source, features_source, created_at, updated_at)
            SELECT {", ".join(FIELDS)}, true, %(source)s, %(source)s, now(), now() FROM incoming
            ORDER BY spotify_id  -- the unique indexes on spotify_id then fill in order, page by page
            ON CONFLICT (spotify_id) DO UPDATE SET
                {settings}, scored = true, features_source = EXCLUDED.features_source, updated_at = now()
            WHERE {_changes("EXCLUDED")}
            RETURNING (xmax = 0) AS created
        )
        SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written
    """


UPSERT = _upsert()
