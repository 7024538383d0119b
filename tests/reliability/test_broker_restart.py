"""Redis killed and restarted while uploads come in: no recording is lost.

The broker is a redis-server of this test's own on a free loopback port (never the Redis
a CI run shares), with nothing persisted: killed with SIGKILL it comes back empty, as a
Redis without persistence does after a crash, or a failover to an empty replica. Queued
messages, unacknowledged deliveries and queue bindings are all gone.

What the product does, pinned here:
- An upload while the broker is down is accepted (201, `queued`) at once: the recording is
  committed before the publish is tried, and a failed publish is logged, not raised
  (scenes.services.classification._send_job). No 500 that would make a client upload again.
- Its job stays queued, unsent, until the stale sweep (a beat job; run here as beat would,
  with a short age limit) sends it. A sweep while the broker is down does not crash.
- Every accepted recording ends done, or failed with a message a user can read.
- A broker that hangs instead (SIGSTOP) delays an upload by seconds, not forever: socket
  timeouts (soundscapify/celery.py) and one publish retry (PUBLISH_RETRY_POLICY).
"""
from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings

from accounts.services import api_token_create
from scenes.models import Recording
from tests.factories import UserFactory
from tests.reliability.conftest import ProductServer, free_port
from tests.scenes.helpers import ambience, encode, wait_until, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
REDIS_SERVER = Path("/usr/bin/redis-server")
URL = "/api/v1/recordings/"
UPLOADS_PER_PHASE = 3
OUTAGE_MIN_S = 5
REQUEST_TIMEOUT_S = 60  # gunicorn's own --timeout: a request past it is a hang
ANSWER_WITHIN_S = 20  # a publish to a dead broker gives up at once, to a hung one in ~9 s
STALE_AFTER_S = 15
SWEEP_EVERY_S = 10
DEADLINE_S = 240
FINAL = {Recording.Status.DONE, Recording.Status.FAILED}
SWEEP = (
    "import django; django.setup()\n"
    "from datetime import timedelta\n"
    "from scenes.services import recordings_requeue_stale\n"
    "print(recordings_requeue_stale(older_than=timedelta(seconds={age})))\n"
)


# --- A Redis of our own ------------------------------------------------------------------


class PrivateRedis:
    """redis-server on 127.0.0.1:`port`, nothing saved to disk, its log in `folder`."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port, self.folder = port, folder
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> PrivateRedis:
        command = [
            str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not self.answers_ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server on port {self.port} did not start:\n{self.log()}")
            time.sleep(0.05)
        return self

    def answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: a crash, nothing written, every client connection reset."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def pause(self) -> None:
        """SIGSTOP: connections stay open and the port accepts, but nothing is answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a paused one handles SIGTERM only once resumed
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        path = self.folder / "redis.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if not REDIS_SERVER.exists():
        pytest.skip(f"{REDIS_SERVER} not installed")
    folder = tmp_path / "redis"
    folder.mkdir()
    redis = PrivateRedis(free_port(), folder).start()
    yield redis
    redis.stop()


# --- Uploads from a thread -----------------------------------------------------------------


@dataclass
class Upload:
    phase: str  # the broker's phase both when it was sent and when it was answered, else "mixed"
    status: int | None
    body: dict[str, Any]
    elapsed_s: float
    error: str = ""


@dataclass
class Uploader:
    """Posts the same clip to the API again and again, from a thread, noting each answer."""

    url: str
    token: str
    clip: bytes
    phase: str = "before"
    uploads: list[Upload] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Uploader:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(REQUEST_TIMEOUT_S + 10)

    def answered(self, phase: str) -> int:
        return sum(upload.phase == phase for upload in self.uploads)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.uploads.append(self.post_once())
            self._stop.wait(0.3)

    def post_once(self) -> Upload:
        sent_in, started = self.phase, time.monotonic()
        try:
            response = requests.post(
                self.url + URL, headers={"Authorization": f"Bearer {self.token}"},
                files={"file": ("ambience.wav", self.clip, "audio/wav")}, timeout=REQUEST_TIMEOUT_S,
            )
        except requests.RequestException as exc:
            return Upload(sent_in, None, {}, time.monotonic() - started, repr(exc))
        phase = sent_in if self.phase == sent_in else "mixed"
        return Upload(phase, response.status_code, json_or_text(response), time.monotonic() - started)


def json_or_text(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text[:2000]}
    return body if isinstance(body, dict) else {"json": body}


# --- The stale sweep, as beat runs it ----------------------------------------------------------


def sweep(broker_url: str, older_than_s: float) -> int:
    """Run recordings_requeue_stale in a process of its own on the private broker, as the beat
    job does in a worker; returns how many jobs it sent again. Fails on a crash."""
    done = subprocess.run(
        [sys.executable, "-c", SWEEP.format(age=older_than_s)], check=False, cwd=settings.BASE_DIR,
        env=worker_env({"CELERY_BROKER_URL": broker_url}), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, f"the sweep crashed:\n{done.stdout}\n{done.stderr[-4000:]}"
    return int(done.stdout.strip().splitlines()[-1])


def pending(ids: list[str]) -> list[str]:
    not_final = Recording.objects.filter(pk__in=ids).exclude(status__in=FINAL)
    return [str(pk) for pk in not_final.values_list("pk", flat=True)]


def wait_until_final_sweeping(ids: list[str], broker_url: str) -> int:
    """Wait until every recording is done or failed, sweeping every SWEEP_EVERY_S as beat would;
    returns how many jobs the sweeps sent again."""
    deadline, sent_again = time.monotonic() + DEADLINE_S, 0
    while pending(ids) and time.monotonic() < deadline:
        next_sweep = time.monotonic() + SWEEP_EVERY_S
        while pending(ids) and time.monotonic() < next_sweep:
            time.sleep(0.2)
        if pending(ids):
            sent_again += sweep(broker_url, STALE_AFTER_S)
    left = Counter(Recording.objects.filter(pk__in=pending(ids)).values_list("status", flat=True))
    assert not left, f"still not done or failed after {DEADLINE_S} s: {dict(left)}"
    return sent_again


def upload_through_an_outage(uploader: Uploader, redis: PrivateRedis) -> list[Upload]:
    """Upload before, during and after Redis is killed and started again, empty; returns every upload."""
    uploader.start()
    try:
        wait_until(lambda: uploader.answered("before") >= UPLOADS_PER_PHASE, "uploads answered before the outage")
        # Phases change only once the broker is in that state: a `down` upload, sent and
        # answered within the phase, never saw a live broker.
        redis.kill()
        uploader.phase = "down"
        down_at = time.monotonic()
        sweep(redis.url, 0)  # beat's sweep may run in an outage: it must not crash
        wait_until(
            lambda: uploader.answered("down") >= UPLOADS_PER_PHASE and time.monotonic() - down_at >= OUTAGE_MIN_S,
            "uploads answered while Redis was down",
        )
        uploader.phase = "restarting"
        redis.start()  # the same port, empty
        uploader.phase = "after"
        wait_until(lambda: uploader.answered("after") >= UPLOADS_PER_PHASE, "uploads answered after the restart")
    finally:
        uploader.stop()
    return list(uploader.uploads)


# --- The tests -------------------------------------------------------------------------------------


@pytest.fixture
def bearer(transactional_db: None) -> str:
    return api_token_create(user=UserFactory.create(), name="broker-restart").key


def test_uploads_while_redis_restarts_are_accepted_and_all_end_done_or_failed_with_a_message(
    private_redis: PrivateRedis, start_product_server: Callable[..., ProductServer], start_celery_worker, bearer: str
) -> None:
    broker = {"CELERY_BROKER_URL": private_redis.url}
    worker = start_celery_worker(env=broker)
    # Enough uploads an hour for this test: the per-user limit is not what is tested.
    server = start_product_server(env={**broker, "SCENES_RECORDINGS_PER_HOUR": "1000"})
    uploads = upload_through_an_outage(Uploader(server.url, bearer, encode(ambience(3.0))), private_redis)

    failures = [u for u in uploads if u.status != 201 or u.body.get("status") != Recording.Status.QUEUED]
    assert not failures, f"{failures}\n{server.log()[-4000:]}"
    assert max(u.elapsed_s for u in uploads) < ANSWER_WITHIN_S, [round(u.elapsed_s, 2) for u in uploads]
    sent_while_down = [u.body["id"] for u in uploads if u.phase == "down"]
    # Their publish failed and nothing sent them yet: only the sweep will.
    assert set(pending(sent_while_down)) == set(sent_while_down)

    ids = [u.body["id"] for u in uploads]
    sent_again = wait_until_final_sweeping(ids, private_redis.url)

    final = list(Recording.objects.filter(pk__in=ids))
    assert len(final) == len(uploads)
    assert all(r.status == Recording.Status.DONE or r.error_message for r in final), [
        (r.pk, r.status, r.error_code) for r in final if not r.error_message
    ]
    assert "Traceback" not in server.log(), server.log()[-4000:]
    print(
        f"uploads by phase: {dict(Counter(u.phase for u in uploads))}; "
        f"final: {dict(Counter(r.status for r in final))}; sent again by the sweeps: {sent_again}; "
        f"slowest answer {max(u.elapsed_s for u in uploads):.2f} s; worker connections: "
        f"{worker.log().count('Connected to redis')}"
    )


def test_an_upload_while_redis_hangs_is_answered_within_seconds_and_stays_queued(
    private_redis: PrivateRedis, start_product_server: Callable[..., ProductServer], bearer: str
) -> None:
    """A stalled broker (paused, failing over, a dropped NAT flow) keeps the TCP connection
    open and answers nothing: without socket timeouts (soundscapify/celery.py) the publish
    waits forever and the request with it, until gunicorn kills its worker."""
    server = start_product_server(env={"CELERY_BROKER_URL": private_redis.url})
    uploader = Uploader(server.url, bearer, encode(ambience(3.0)))
    assert uploader.post_once().status == 201  # the server now holds a pooled broker connection

    private_redis.pause()
    stalled = uploader.post_once()

    assert (stalled.status, stalled.body.get("status")) == (201, Recording.Status.QUEUED), stalled
    assert stalled.elapsed_s < ANSWER_WITHIN_S
    assert Recording.objects.get(pk=stalled.body["id"]).status == Recording.Status.QUEUED  # for the sweep
    print(f"answered in {stalled.elapsed_s:.2f} s with the broker paused")
