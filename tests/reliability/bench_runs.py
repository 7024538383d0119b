"""Running a bench script (bench/*.py) from a test: on its own database beside this run's.

The benches start their own stack. When this run uses PostgreSQL and Redis, so does the
bench: in a database of its own (dropped afterwards by `dropped_after`) and this run's Redis
database, where a bench touches only keys under its own prefix. Otherwise it runs on the
embedded defaults (SQLite and the filesystem broker) in the folder it is given.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from psycopg2 import sql

BENCH_DIR = Path(settings.BASE_DIR) / "bench"


def on_postgres_and_redis() -> bool:
    return connection.vendor == "postgresql" and settings.CELERY_BROKER_URL.startswith("redis://")


def bench_stack_arguments(database_name: str) -> list[str]:
    """PostgreSQL and Redis beside this run's when it uses both; the embedded defaults otherwise."""
    database, broker = connection.settings_dict, settings.CELERY_BROKER_URL
    if not on_postgres_and_redis():
        return ["--embedded"]
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    user, host = database.get("USER") or "postgres", database.get("HOST") or "127.0.0.1"
    server = f"{user}{password}@{host}:{database.get('PORT') or 5432}"
    return ["--database-url", f"postgres://{server}/{database_name}", "--broker-url", broker]


@contextmanager
def dropped_after(database_name: str) -> Iterator[None]:
    """A bench keeps its PostgreSQL database between its own runs: a test run must not leave it behind."""
    try:
        yield
    finally:
        if on_postgres_and_redis():
            drop_database(database_name)


def drop_database(name: str) -> None:
    params = {k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"}
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    try:
        admin.autocommit = True  # DROP DATABASE refuses to run in a transaction
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        admin.close()


def run_bench(script: str, arguments: list[str], timeout_s: float) -> tuple[int, str]:
    """Runs bench/`script`; returns its exit status and output. Past `timeout_s` the test fails."""
    command = [sys.executable, str(BENCH_DIR / script), *arguments]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.terminate()  # the benches stop their stack on TERM
        output, _ = process.communicate(timeout=60)
        pytest.fail(f"bench/{script} ran past {timeout_s} s:\n{output[-4000:]}")
    return process.returncode, output
