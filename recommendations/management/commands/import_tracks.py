"""`manage.py import_tracks FILE`: upsert a song catalog CSV by Spotify id."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommendations.catalog import BATCH_SIZE, HeaderError, import_csv


class Command(BaseCommand):
    help = (
        "Import tracks with audio features from a CSV; columns are found by their usual names (track_id, id or "
        "uri; track_name or name; artists; valence; energy; ...). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Rows per write, outside PostgreSQL.")
        parser.add_argument("--max-reported", type=int, default=100, help="Rejected rows listed one by one (the summary counts all).")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        limit = options["max_reported"]
        listed = 0

        def on_reject(line: int, message: str) -> None:
            nonlocal listed
            listed += 1
            if listed <= limit:
                self.stderr.write(f"line {line}: {message}")

        hide = options["no_progress"] or options["verbosity"] < 1
        with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, disable=hide) as bar:
            try:
                report = import_csv(path, on_reject=on_reject, progress=bar.update, batch_size=options["batch_size"])
            except HeaderError as exc:
                raise CommandError(str(exc)) from exc
        if listed > limit:
            self.stderr.write(f"... and {listed - limit} more rejected rows.")
        self.stdout.write(report.columns)
        self.stdout.write(report.summary())
