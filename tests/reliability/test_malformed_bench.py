"""bench/malformed_uploads.py, one upload of each kind through the real stack: every one ends
counted, none in a 5xx, stuck or unexplained, and the table adds up.

Where the bench runs: tests/reliability/bench_runs.py (beside this run's PostgreSQL and Redis,
database soundscapify_bench_malformed_smoke dropped afterwards, or the embedded defaults).
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.bench_runs import bench_stack_arguments, dropped_after, run_bench
from tests.scenes.helpers import needs_model

SMOKE_TIMEOUT_S = 120
BENCH_DATABASE = "soundscapify_bench_malformed_smoke"
KINDS = 23  # 9 families of fuzz files, 5 audio bombs, 9 odd requests
OUTCOMES = ("clean_4xx", "4xx_not_json", "failed_msg", "classified", "5xx", "stuck", "other")
TABLE_ROW = re.compile(r"^  (\S+)\s+(\d+)" + r"\s+(\d+)" * len(OUTCOMES) + r"$", re.M)

pytestmark = [pytest.mark.worker, needs_model]


@pytest.fixture
def bench_database_dropped() -> Iterator[None]:
    with dropped_after(BENCH_DATABASE):
        yield


def test_one_upload_of_each_kind_ends_counted_and_none_in_a_5xx_or_stuck(
    tmp_path: Path, bench_database_dropped: None
) -> None:
    arguments = ["--uploads", str(KINDS), "--users", "2", "--stuck-after", "60", "--work-dir", str(tmp_path)]
    status, output = run_bench("malformed_uploads.py", arguments + bench_stack_arguments(BENCH_DATABASE), SMOKE_TIMEOUT_S)

    assert status == 0, output[-4000:]
    rows = {kind: [int(n) for n in counts] for kind, *counts in TABLE_ROW.findall(output)}
    total = dict(zip(("n", *OUTCOMES), rows.pop("total"), strict=True))
    assert len(rows) == KINDS and all(row[0] == 1 for row in rows.values()), output
    assert total["n"] == sum(total[name] for name in OUTCOMES) == KINDS
    assert (total["5xx"], total["stuck"], total["other"]) == (0, 0, 0)
    # Each column holds what it should: refusals, files that fail in the worker, valid audio.
    assert total["clean_4xx"] > 0 and total["failed_msg"] > 0 and total["classified"] > 0, output
    outcomes = [json.loads(line)["outcome"] for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert len(outcomes) == KINDS and set(outcomes) <= set(OUTCOMES)
