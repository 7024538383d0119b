"""Benchmark `manage.py import_tracks` against psql's raw `\\copy` of the same file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h27import \\
        .venv/bin/python bench/import_tracks.py --rows 1000000

It generates a catalog in the Kaggle "tracks dataset" layout (an unnamed index column,
artists joined by ";", `explicit`, one row per track and genre so some ids repeat), then
in a database it creates (`<name>_bench`, refused if it exists) times:

1. psql's `\\copy` of the file into an unindexed table with the file's columns (the floor);
2. `import_tracks` into the freshly migrated catalog, then again (nothing to change).

Prints each time, the import/copy ratios, each import's max RSS and the load average, and
drops the database it made.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
HEADER = (
    "", "track_id", "artists", "album_name", "track_name", "popularity", "duration_ms", "explicit", "danceability",
    "energy", "key", "loudness", "mode", "speechiness", "acousticness", "instrumentalness", "liveness", "valence",
    "tempo", "time_signature", "track_genre",
)
RAW_TABLE = (
    "CREATE TABLE bench_raw (idx integer, track_id text, artists text, album_name text, track_name text, "
    "popularity integer, duration_ms integer, explicit boolean, danceability float8, energy float8, key integer, "
    "loudness float8, mode integer, speechiness float8, acousticness float8, instrumentalness float8, "
    "liveness float8, valence float8, tempo float8, time_signature integer, track_genre text)"
)
ID_ALPHABET = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
GENRES = [f"genre-{i}" for i in range(114)]  # the tracks dataset has 114 genres
REPEATED_SHARE = 0.1  # rows that list an earlier track again under another genre
GENERATED_CHUNK = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--copy-runs", type=int, default=3, help="raw \\copy runs; the fastest is the floor")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark makes <name>_bench next to that database.")
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        path = Path(folder) / "tracks_dataset.csv"
        started = time.perf_counter()
        generate(path, args.rows, np.random.default_rng(args.seed))
        print(f"file: {args.rows:,} rows, {path.stat().st_size / 1e6:.0f} MB, generated in {time.perf_counter() - started:.1f} s")
        bench_url = _with_database(base_url, urlsplit(base_url).path.lstrip("/") + "_bench")
        with _database(bench_url):
            run_benchmark(path, bench_url, args.copy_runs)
    print(f"load average after: {_load()}")


def run_benchmark(path: Path, url: str, copy_runs: int) -> None:
    copies = [raw_copy(path, url) for _ in range(copy_runs)]
    floor = min(copies)
    print(f"psql \\copy into an unindexed table: {', '.join(f'{s:.2f} s' for s in copies)} (floor {floor:.2f} s)")
    _manage(url, "migrate", "-v0")
    for run in ("first import", "re-import"):
        seconds, rss_mb, output = timed_import(path, url)
        print(f"import_tracks, {run}: {seconds:.1f} s = {seconds / floor:.1f}x the copy, max RSS {rss_mb:.0f} MB")
        print("  " + output.strip().splitlines()[-1])


def raw_copy(path: Path, url: str) -> float:
    _psql(url, f"DROP TABLE IF EXISTS bench_raw; {RAW_TABLE}")
    started = time.perf_counter()
    _psql(url, f"\\copy bench_raw FROM '{path}' WITH (FORMAT csv, HEADER true)")
    seconds = time.perf_counter() - started
    _psql(url, "DROP TABLE bench_raw")
    return seconds


def timed_import(path: Path, url: str) -> tuple[float, float, str]:
    """Wall seconds, max RSS (MB) and output of one `import_tracks` process.

    GNU time reports the RSS: Linux counts a child's memory from before its exec, so the
    figure wait4() gives for a direct child would include this script's own.
    """
    command = ["/usr/bin/time", "-f", "%M", sys.executable, str(ROOT / "manage.py"), "import_tracks", str(path), "--no-progress"]
    started = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"import_tracks failed:\n{done.stdout}{done.stderr}")
    return seconds, int(done.stderr.strip().splitlines()[-1]) / 1024, done.stdout


def generate(path: Path, rows: int, rng: np.random.Generator) -> None:
    """Write a tracks-dataset catalog, a chunk at a time: distinct tracks, some listed again
    under another genre a little later in the file."""
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for start in range(0, rows, GENERATED_CHUNK):
            _write_chunk(writer, rng, start, min(GENERATED_CHUNK, rows - start))


def _write_chunk(writer: Any, rng: np.random.Generator, start: int, rows: int) -> None:
    tracks = rows - int(rows * REPEATED_SHARE)
    ids = ["".join(chars) for chars in ID_ALPHABET[rng.integers(0, 62, (tracks, 22))]]
    features = _features(rng, start, tracks)
    order = np.concatenate([np.arange(tracks), rng.integers(0, tracks, rows - tracks)])
    order[tracks // 2 :] = rng.permutation(order[tracks // 2 :])  # repeats come after their first listing, mostly
    genre = rng.integers(0, len(GENRES), rows).tolist()
    for line, track in enumerate(order.tolist(), start):
        writer.writerow((line, ids[track], *features[track], GENRES[genre[line - start]]))


def _features(rng: np.random.Generator, start: int, n: int) -> list[tuple[object, ...]]:
    """Per track, the columns between track_id and track_genre, with shapes like Spotify's."""
    artist = rng.integers(0, 150_000, n)
    featured = np.where(rng.random(n) < 0.2, rng.integers(0, 150_000, n), -1)
    columns = zip(
        [f"Artist {a}" + (f";Artist {b}" if b >= 0 else "") for a, b in zip(artist.tolist(), featured.tolist(), strict=True)],
        [f"Album {a // 7}" for a in range(start, start + n)],
        [f"Song {a}" for a in range(start, start + n)],
        rng.integers(0, 100, n).tolist(),
        rng.normal(220_000, 60_000, n).clip(30_000, 900_000).astype(int).tolist(),
        (rng.random(n) < 0.1).tolist(),
        *(np.round(rng.beta(a, b, n), 4).tolist() for a, b in ((2.5, 2.0), (2.2, 1.5))),  # danceability, energy
        rng.integers(0, 12, n).tolist(),
        np.round(rng.normal(-9, 4, n).clip(-50, 0), 3).tolist(),
        rng.integers(0, 2, n).tolist(),
        *(np.round(rng.beta(a, b, n), 4).tolist() for a, b in ((0.8, 8.0), (0.6, 1.2), (0.2, 1.5), (1.5, 5.0), (1.8, 1.8))),
        np.round(rng.normal(120, 28, n).clip(40, 220), 3).tolist(),
        rng.choice([3, 4, 4, 4, 5], n).tolist(),
        strict=True,
    )  # speechiness, acousticness, instrumentalness, liveness, valence; then tempo, time_signature
    return list(columns)


class _database:
    """CREATE DATABASE on entry (refused when the name exists: never touch someone else's), DROP on exit."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = urlsplit(url).path.lstrip("/")

    def __enter__(self) -> None:
        _psql(_with_database(self.url, "postgres"), f'CREATE DATABASE "{self.name}"')

    def __exit__(self, *exc: object) -> None:
        _psql(_with_database(self.url, "postgres"), f'DROP DATABASE "{self.name}"')


def _psql(url: str, command: str) -> None:
    quiet = {**os.environ, "PGOPTIONS": "-c client_min_messages=warning"}
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command], check=True, env=quiet)


def _manage(url: str, *command: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *command], env={**os.environ, "DATABASE_URL": url}, check=True)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
