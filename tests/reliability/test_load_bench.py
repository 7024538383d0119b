"""bench/load.py --smoke: the whole stack (gunicorn, two Celery workers, database, broker) under a
little load, every clip classified, the figures printed.

The bench starts its own stack in its own database: beside this run's PostgreSQL and Redis
when the run uses both (database soundscapify_bench_smoke, dropped afterwards; the run's own
Redis database, where the bench touches only keys under its prefix), otherwise on the
embedded defaults (SQLite and the filesystem broker) in a temporary folder.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import sql

from tests.scenes.helpers import needs_model

BENCH = Path(settings.BASE_DIR) / "bench" / "load.py"
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


def bench_stack_arguments() -> list[str]:
    """PostgreSQL and Redis beside this run's when it uses both; the embedded defaults otherwise."""
    database, broker = connection.settings_dict, settings.CELERY_BROKER_URL
    if not on_postgres_and_redis():
        return ["--embedded"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    user, host = database.get("USER") or "postgres", database.get("HOST") or "127.0.0.1"
    server = f"{user}{password}@{host}:{database.get('PORT') or 5432}"
    return ["--database-url", f"postgres://{server}/{BENCH_DATABASE}", "--broker-url", broker]


def on_postgres_and_redis() -> bool:
    return connection.vendor == "postgresql" and settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.fixture
def bench_database_dropped() -> Iterator[None]:
    """The bench creates its PostgreSQL database and keeps it between its own runs: a test
    run must not leave it behind."""
    yield
    if not on_postgres_and_redis():
        return
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    try:
        admin.autocommit = True  # DROP DATABASE refuses to run in a transaction
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DATABASE)))
    finally:
        admin.close()


def run_smoke(work_dir: Path) -> str:
    command = [sys.executable, str(BENCH), "--smoke", "--work-dir", str(work_dir), *bench_stack_arguments()]
    process = subprocess.Popen(
        command, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=SMOKE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.terminate()  # the bench stops its stack on TERM
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"bench/load.py --smoke ran past {SMOKE_TIMEOUT_S} s:\n{output[-4000:]}")
    assert process.returncode == 0, output[-4000:]
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
