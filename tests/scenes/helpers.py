"""Helpers of the scenes tests: real audio made on the spot, a real Celery worker process."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import av
import numpy as np
import pytest
import soundfile as sf
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from scenes.models import Recording

if TYPE_CHECKING:
    from collections.abc import Callable

SHARED_DIR = Path(settings.BASE_DIR).parent / "shared"
ESC50_AUDIO = SHARED_DIR / "data" / "esc50" / "audio"
WORKER_READY_TIMEOUT_S = 240  # a pool child loads TensorFlow; CI machines are shared
FINAL = frozenset({Recording.Status.DONE, Recording.Status.FAILED})  # no worker will change these


# --- Audio -----------------------------------------------------------------------------


def ambience(seconds: float, sample_rate: int = 16000, seed: int = 0) -> np.ndarray:
    """A few seconds of something like a street: noise, a hum and a passing tone."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    noise = np.cumsum(rng.standard_normal(t.size)) * 0.002
    noise -= np.convolve(noise, np.ones(400) / 400, mode="same")  # brownish, no drift
    hum = 0.05 * np.sin(2 * np.pi * 110 * t)
    chirp = 0.1 * np.sin(2 * np.pi * (600 + 200 * np.sin(2 * np.pi * 0.3 * t)) * t)
    return (noise + hum + chirp + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def encode(samples: np.ndarray, sample_rate: int = 16000, fmt: str = "wav", live: bool = False) -> bytes:
    """Encode mono float samples: wav, flac, ogg (soundfile) or webm/opus, mp3 (PyAV).

    `live` writes a WebM as MediaRecorder streams one: no duration in its header.
    """
    if fmt in ("wav", "flac", "ogg"):
        buffer = io.BytesIO()
        sf.write(buffer, samples, sample_rate, format=fmt.upper(), subtype=None if fmt != "wav" else "PCM_16")
        return buffer.getvalue()
    return _encode_with_av(samples, sample_rate, fmt, {"live": "1"} if live else {})


def _encode_with_av(samples: np.ndarray, sample_rate: int, fmt: str, options: dict[str, str]) -> bytes:
    codec, rate = {"webm": ("libopus", 48000), "mp3": ("libmp3lame", 44100)}[fmt]
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=fmt, options=options) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        resampler = av.AudioResampler(format=stream.codec_context.format, layout="mono", rate=rate)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = sample_rate
        for resampled in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def upload_file(data: bytes, name: str = "clip.wav", content_type: str = "audio/wav") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def model_available() -> bool:
    """True when ml.inference and a loadable model artifact are there."""
    try:
        import ml.inference  # noqa: F401
        from ml.artifacts import resolve_model_dir
        from ml.errors import ModelArtifactError
    except ImportError:
        return False
    try:
        resolve_model_dir(settings.SCENE_MODEL_DIR)
    except ModelArtifactError:
        return False
    return True


needs_model = pytest.mark.skipif(not model_available(), reason="no scene model artifact under ml/artifacts yet")


# --- A real Celery worker ------------------------------------------------------------------


class WorkerProcess:
    """`celery -A soundscapify worker` started by a test, with its log in a file."""

    def __init__(self, env: dict[str, str], log_path: Path, queues: str, concurrency: int) -> None:
        self.log_path = log_path
        command = [
            sys.executable, "-m", "celery", "-A", "soundscapify", "worker", "-Q", queues,
            "--pool", "prefork", "--concurrency", str(concurrency), "--loglevel", "INFO",
            "--without-heartbeat", "--without-gossip", "--without-mingle",
            "--hostname", f"test-{os.getpid()}-{time.monotonic_ns()}@%h",
        ]
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 60, after: int = 0) -> None:
        """Wait until `text` appears in the log past offset `after`; fail with the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log()[after:]:
                return
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            time.sleep(0.2)
        pytest.fail(f"{text!r} not in the worker log after {timeout} s:\n{self.log()[-4000:]}")

    def wait_ready(self, timeout: float = WORKER_READY_TIMEOUT_S) -> WorkerProcess:
        self.wait_for_log(" ready.", timeout)
        return self

    def wait_model_warm(self, timeout: float = WORKER_READY_TIMEOUT_S) -> WorkerProcess:
        """Wait until the pool child has loaded the scene model (scenes.tasks._warm_up_model)."""
        self.wait_for_log("Scene model ", timeout)
        self.wait_for_log(" warm in ", timeout)
        return self

    def pool_pids(self) -> list[int]:
        """The prefork children: the processes that run tasks."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill(self) -> None:
        """SIGKILL the whole worker, parent and children: nothing gets to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            # TERM is Celery's warm shutdown; a task in flight gets its time limit to finish.
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self._log.closed:
            self._log.close()


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a worker needs to share this test run's database, media folder and broker."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "soundscapify.settings.test", "PYTHONUNBUFFERED": "1"}
    env["SOUNDSCAPIFY_TEST_RUN_ID"] = os.environ.get("SOUNDSCAPIFY_TEST_RUN_ID", str(os.getpid()))
    env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # In the worker this is not a test run: point it at the test database itself.
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user, host, port = db.get("USER") or "postgres", db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        env["DATABASE_URL"] = f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    if settings.CELERY_BROKER_URL:
        env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env.update(extra or {})
    return env


# --- Killing processes mid-task ----------------------------------------------------------------


def feed_fifo_when_read(path: Path, data: bytes) -> threading.Thread:
    """Serve `data` to the next process that reads the FIFO at `path` to its end.

    A reader that goes away mid-way (a killed worker child whose SIGKILL was still in flight
    when our open() paired with it) breaks the pipe: then we wait for the next reader.
    """
    def write() -> None:
        while True:
            try:
                with open(path, "wb") as fifo:  # blocks until a reader opens it
                    fifo.write(data)
                return
            except BrokenPipeError:
                continue

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 240) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds (a worker's
    start-up loads TensorFlow in each pool child, and CI machines are shared: be generous)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"not {what} after {timeout} s")


def wait_for_status(recording_id: UUID | str, statuses: set[str] | frozenset[str], timeout: float = 240) -> Recording:
    """The recording, with its result, once its status is one of `statuses`; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recording = Recording.objects.select_related("result").get(pk=recording_id)
        if recording.status in statuses:
            return recording
        time.sleep(0.05)
    pytest.fail(f"recording {recording_id} still {recording.status} after {timeout} s, not in {statuses}")


def wait_until_gone(pid: int, timeout: float = 10) -> None:
    """Wait until a killed process (not our child, so no waitpid) has exited and closed its files."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return
        if state in {"Z", "X"}:
            return
        time.sleep(0.02)
    pytest.fail(f"process {pid} still running {timeout} s after SIGKILL")


def replace_with_fifo(recording: Recording) -> tuple[Path, bytes]:
    """Swap the stored file for a FIFO: a worker reading it blocks, mid-task, until we feed it."""
    path = Path(recording.file.path)
    data = path.read_bytes()
    path.unlink()
    os.mkfifo(path)
    return path, data
