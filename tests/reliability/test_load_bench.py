"""bench/load.py --smoke: the whole stack (gunicorn, two Celery workers, database, broker) under a
little load, every clip classified, the figures printed.

The bench starts its own stack in its own database: beside this run's PostgreSQL and Redis
when the run uses both (database soundscapify_bench_smoke, dropped afterwards; the run's own
Redis database, where the bench touches only keys under its prefix), otherwise on the
embedded defaults (SQLite and the filesystem broker) in a temporary folder.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.bench_runs import bench_stack_arguments, dropped_after, run_bench
from tests.scenes.helpers import needs_model

SMOKE_TIMEOUT_S = 150
BENCH_DATABASE = "soundscapify_bench_smoke"
SMOKE_LATENCY_CLIPS = 3
SMOKE_STEPS = {1: 3, 2: 6}  # users: clips (3 each)

FIGURE = r"(\d+\.\d+)"
LATENCY_LINE = re.compile(
    rf"n (\d+), failed (\d+); client upload-to-result p50 {FIGURE} s, p95 {FIGURE} s, p99 {FIGURE} s, max {FIGURE} s"
)
STEP_ROW = re.compile(rf"^\s+(\d+)\s+(\d+)\s+(\d+)\s+{FIGURE}\s+{FIGURE}\s+{FIGURE}\s+{FIGURE}\s+{FIGURE}$", re.M)

pytestmark = [pytest.mark.worker, needs_model]


@pytest.fixture
def bench_database_dropped() -> Iterator[None]:
    with dropped_after(BENCH_DATABASE):
        yield


def run_smoke(work_dir: Path) -> str:
    arguments = ["--smoke", "--work-dir", str(work_dir), *bench_stack_arguments(BENCH_DATABASE)]
    status, output = run_bench("load.py", arguments, SMOKE_TIMEOUT_S)
    assert status == 0, output[-4000:]
    return output


def test_the_smoke_run_classifies_every_clip_and_prints_its_figures(tmp_path: Path, bench_database_dropped: None) -> None:
    output = run_smoke(tmp_path / "bench")

    latency = LATENCY_LINE.search(output)
    assert latency, output
    n, failed, *figures = latency.groups()
    assert (int(n), int(failed)) == (SMOKE_LATENCY_CLIPS, 0)
    p50, p95, p99, worst = map(float, figures)
    assert 0 < p50 <= p95 <= p99 <= worst

    steps = {int(users): row for users, *row in STEP_ROW.findall(output)}
    assert sorted(steps) == sorted(SMOKE_STEPS), output
    for users, (completed, failed, throughput, *latencies) in steps.items():
        assert (int(completed), int(failed)) == (SMOKE_STEPS[users], 0)
        assert float(throughput) > 0 and all(float(value) > 0 for value in latencies)
    assert re.search(r"^  knee: \S", output, re.M), output
    total = SMOKE_LATENCY_CLIPS + sum(SMOKE_STEPS.values())
    assert f"summary: completed {total}, failed 0" in output
