"""Fixtures of the scenes tests: users and clients, real audio, a real Celery worker process.

`celery_worker` / `start_celery_worker` start `celery -A soundscapify worker` as a
subprocess that shares this test run's database, media folder and broker; with
tests/scenes/helpers.py they can move to tests/conftest.py as they are, for the
recommendations tests.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import UserFactory
from tests.scenes.helpers import ESC50_AUDIO, WorkerProcess, ambience, encode, worker_env

# --- Media, users ------------------------------------------------------------------------


@pytest.fixture
def media_files(media_root: Path) -> Callable[[], list[Path]]:
    """Lists the files under MEDIA_ROOT (tests/conftest.py's fixture): what a test left in storage."""
    return lambda: sorted(p for p in media_root.rglob("*") if p.is_file() or p.is_fifo())


@pytest.fixture
def other_user(db: None) -> Any:
    return UserFactory.create()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def api_client(user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


# --- Audio -------------------------------------------------------------------------------


@pytest.fixture
def clip_wav() -> bytes:
    """Six seconds of synthetic street-like ambience, as a 16-bit WAV."""
    return encode(ambience(6.0), fmt="wav")


@pytest.fixture
def esc50_clip() -> Path:
    """A real ESC-50 recording of rain (target 10) from ../shared; the test skips without it."""
    clips = sorted(ESC50_AUDIO.glob("*-10.flac")) if ESC50_AUDIO.is_dir() else []
    if not clips:
        pytest.skip(f"ESC-50 rain clips not found under {ESC50_AUDIO}")
    return clips[0]


# --- A real Celery worker ---------------------------------------------------------------------


@pytest.fixture
def start_celery_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real workers (`queues`, `concurrency`, extra `env`); all are stopped after the test.

    Use with `transactional_db`: the worker reads only committed rows.
    """
    workers: list[WorkerProcess] = []

    def start(queues: str = "ml,default", concurrency: int = 1, env: dict[str, str] | None = None) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(workers)}.log"
        worker = WorkerProcess(worker_env(env), log_path, queues, concurrency)
        workers.append(worker)
        return worker.wait_ready()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(transactional_db, start_celery_worker) -> WorkerProcess:
    """One real worker on the `ml` and `default` queues, ready to take tasks."""
    return start_celery_worker()
