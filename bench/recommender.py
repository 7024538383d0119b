"""Benchmark the recommender on a large generated catalog in PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/recommender.py --tracks 1000000 --runs 200

It works in its own database (`test_<name>_bench`, made and migrated on first use, kept
for the next run with --keep), fills it with generated tracks through COPY, then times
`recommendation_create` end to end (taste, candidate queries, ranking, writing the
history) for one user with Spotify taste and thumbs, at random hours and scene mixes.
Prints the median and 95th percentile, where the time goes (database round trips, ranking,
writing the history, the rest), and the plan of one candidate query.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundscapify.settings.base")
# As in production: with DEBUG on, Django also logs every query, which costs time per query.
os.environ.setdefault("DEBUG", "false")

import django

django.setup()

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

COPY_CHUNK = 100_000
COLUMNS = (
    "spotify_id", "name", "artists", "album", "genres", "duration_ms", "valence", "energy", "danceability",
    "acousticness", "instrumentalness", "speechiness", "tempo", "loudness", "mode", "key",
    "scored", "source", "features_source", "created_at", "updated_at",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the bench database for the next run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark is about PostgreSQL.")
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = f"test_{settings.DATABASES['default']['NAME']}_bench"
    # serialize=False: serializing a million rows (for test rollbacks we never do) takes minutes.
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True, serialize=False)
    print(f"database {name}")
    try:
        fill(args.tracks, args.seed)
        measure(args.runs, args.seed)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(name, verbosity=0)


def fill(wanted: int, seed: int) -> None:
    from recommendations.models import Track

    have = Track.objects.filter(source="bench").count()
    if have >= wanted:
        print(f"catalog: {have:,} generated tracks already there")
        return
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    for start in range(have, wanted, COPY_CHUNK):
        _copy_chunk(rng, start, min(start + COPY_CHUNK, wanted))
        print(f"\rgenerated {min(start + COPY_CHUNK, wanted):,} tracks", end="", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE recommendations_track")
    print(f"\ncatalog: {wanted:,} tracks written with COPY in {time.perf_counter() - started:.1f} s")


def _copy_chunk(rng: np.random.Generator, start: int, stop: int) -> None:
    n = stop - start
    # Shapes like Spotify's: valence spread wide, energy leaning high, most songs not instrumental.
    valence, energy = rng.beta(1.8, 1.8, n), rng.beta(2.2, 1.5, n)
    dance, acoustic = rng.beta(2.5, 2.0, n), rng.beta(0.6, 1.2, n)
    instrumental, speech = rng.beta(0.2, 1.5, n), rng.beta(0.8, 8.0, n)
    tempo, loudness = rng.normal(120, 28, n).clip(40, 220), rng.normal(-9, 4, n).clip(-50, 0)
    mode, key, artist = rng.integers(0, 2, n), rng.integers(0, 12, n), rng.integers(0, 150_000, n)
    now = "2026-01-01 00:00:00+00"
    buffer = io.StringIO()
    for i in range(n):
        row = (
            f"bench{start + i:017d}", f"Generated song {start + i}", f'["Artist {artist[i]}"]', "", "[]", "200000",
            f"{valence[i]:.4f}", f"{energy[i]:.4f}", f"{dance[i]:.4f}", f"{acoustic[i]:.4f}", f"{instrumental[i]:.4f}",
            f"{speech[i]:.4f}", f"{tempo[i]:.2f}", f"{loudness[i]:.2f}", str(mode[i]), str(key[i]),
            "t", "bench", "bench", now, now,
        )
        buffer.write("\t".join(row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY recommendations_track ({', '.join(COLUMNS)}) FROM STDIN", buffer)


def measure(runs: int, seed: int) -> None:
    from recommendations.models import Feedback, Recommendation, SceneCriteria, TasteTrack, Track
    from recommendations.services.recommendations import local_time_in, recommendation_create

    user, _ = get_user_model().objects.get_or_create(username="bench-listener")
    Recommendation.objects.filter(user=user).delete()
    sample = list(Track.objects.filter(source="bench").order_by("pk").values_list("pk", flat=True)[:120])
    TasteTrack.objects.filter(user=user).delete()
    TasteTrack.objects.bulk_create(TasteTrack(user=user, track_id=pk, source="top", rank=i) for i, pk in enumerate(sample[:80]))
    Feedback.objects.bulk_create(
        [Feedback(user=user, track_id=pk, value=1 if i % 3 else -1) for i, pk in enumerate(sample[80:])], ignore_conflicts=True
    )
    scenes = list(SceneCriteria.objects.values_list("name", flat=True))
    rng = random.Random(seed)
    timings = []
    spent: dict[str, float] = defaultdict(float)
    with _timed_parts(spent):
        for run in range(runs):
            first, second = rng.sample(scenes, 2)
            share = rng.uniform(0.5, 1.0)
            at = local_time_in("UTC").replace(hour=rng.randrange(24))
            started = time.perf_counter()
            made = recommendation_create(user=user, scene_probabilities={first: share, second: 1 - share}, local_time=at, seed=run)
            timings.append((time.perf_counter() - started) * 1000)
            assert made.items.count() == 20, made.notes
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
    print(f"recommendation_create, {runs} runs on {Track.objects.filter(scored=True).count():,} scored tracks:")
    print(f"  median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    _print_parts(spent, sum(timings), runs)
    _explain()


@contextmanager
def _timed_parts(spent: dict[str, float]) -> Iterator[None]:
    """Add the milliseconds spent reading from the database, ranking and writing the history
    (its round trips included) to `spent`."""
    from recommendations.services import recommendations as service

    writing = False

    def database(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if not writing:
                spent["reading"] += (time.perf_counter() - started) * 1000

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            nonlocal writing
            started, writing = time.perf_counter(), name == "writing"
            try:
                return function(*args, **kwargs)
            finally:
                writing = False
                spent[name] += (time.perf_counter() - started) * 1000
        return run

    originals = service.rank, service._store
    service.rank, service._store = timed("ranking", service.rank), timed("writing", service._store)
    try:
        with connection.execute_wrapper(database):
            yield
    finally:
        service.rank, service._store = originals


def _print_parts(spent: dict[str, float], total: float, runs: int) -> None:
    rest = total - spent["reading"] - spent["ranking"] - spent["writing"]
    print(
        f"  mean per call: database reads {spent['reading'] / runs:.1f} ms, ranking {spent['ranking'] / runs:.1f} ms, "
        f"writing the history {spent['writing'] / runs:.1f} ms, Python around them {rest / runs:.1f} ms"
    )


def _explain() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT id, valence, energy FROM recommendations_track "
            "WHERE scored AND valence >= 0.40 AND valence <= 0.45 AND energy >= 0.3 AND energy <= 0.5 "
            "ORDER BY valence, energy LIMIT 25"
        )
        print("one candidate query:\n  " + "\n  ".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
