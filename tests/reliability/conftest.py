"""A real gunicorn serving the product against the test database, for reliability tests."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.scenes.conftest import api_client, start_celery_worker  # noqa: F401 - the same fixtures here
from tests.scenes.helpers import worker_env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ProductServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def wait_until_serving(url: str, process: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            requests.get(url + "/healthz", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):  # still importing Django
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start serving in time")


@pytest.fixture
def start_product_server(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., ProductServer]]:
    """Start gunicorn (`workers` sync workers, one by default) on a free port, sharing the test
    database and media folder.

    `env` adds to or overrides what it is handed (a broker URL, a limit); all servers
    started are stopped after the test.
    """
    processes: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str] | None = None, workers: int = 1) -> ProductServer:
        port = free_port()
        # The same hand-over as a Celery worker's: test database, media folder, broker.
        log = tmp_path / f"gunicorn-{len(processes)}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "soundscapify.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "60", "--error-logfile", str(log), "--capture-output"],
            cwd=settings.BASE_DIR, env=worker_env({"CONN_MAX_AGE": "600", **(env or {})}),
        )
        processes.append(process)
        server = ProductServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log)
        wait_until_serving(server.url, process)
        return server

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def product_server(start_product_server: Callable[..., ProductServer]) -> ProductServer:
    """gunicorn (one sync worker) on a free port, sharing the test database, media folder and broker."""
    return start_product_server()
