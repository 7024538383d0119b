"""Load benchmark: simulated users upload clips and wait for their scene, on the real stack.

    .venv/bin/python bench/load.py --mode latency --clips 30            # one user, 10-s clips
    .venv/bin/python bench/load.py --mode load --users 1,2,4,8 --step-seconds 30
    .venv/bin/python bench/load.py --smoke                              # CI: about a minute
    .venv/bin/python bench/load.py --embedded --smoke                   # SQLite + filesystem broker

It starts the stack itself, on 127.0.0.1 only, and stops it on exit (errors and Ctrl-C
included): gunicorn serving soundscapify.wsgi (3 sync workers, as docker/Dockerfile runs
it), a Celery worker on the `ml` queue with 2 pool processes (docker/compose.yaml's
worker-ml: the 2 workers that classify) and one on `default` with 1 (the recommendation
that follows each result), against PostgreSQL (database `soundscapify_bench`, created and
migrated on first use, then kept) and Redis db 14, where its keys carry the prefix
`soundscapify-bench:` (CELERY_BROKER_KEY_PREFIX): it deletes those at start and end and never
touches another key, so the database may be shared. --embedded uses SQLite and Celery's filesystem broker under
--work-dir instead, like scripts/start.sh. Rate limits and upload quotas are lifted for
these processes; each run deletes the previous run's bench users and files first.

Before measuring it waits until every pool process has loaded the scene model, then sends
a few warm-up clips of the measured length (not counted).

- latency: one user uploads 10-s clips one after another.
- load: for each step, N users upload 5-s clips in a loop for --step-seconds (at most
  --clips-per-user each); the step ends when their last clips have their results.

Latency is upload-to-result as the client sees it: from sending the POST to the first poll
answering status `done` (one poll every --poll-interval s, so no finer than that: 0.05 s
in latency mode, 0.25 s in load mode, where faster polls would be most of the load). The
server figure is the recording's created_at -> completed_at: from the row's insert, after
the upload was read and validated, to the stored result. Throughput is results per second
of a step's wall time. Percentiles are nearest-rank: with fewer than 100 clips p99 is the
maximum.

The knee: of steps N1 < N2 < ..., the first Ni whose next step adds less than 10%
throughput while its p95 latency grows by more than 50%. Past the knee, more users only
queue longer. "none" when no step qualifies (the stack kept up with every step tried).

Exit status 1 when any clip failed or got no result in --clip-timeout seconds.
"""
from __future__ import annotations

import argparse
import ctypes
import io
import itertools
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soundscapify_bench"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"
USER_PREFIX = "bench-load-"
# Every broker key of the bench's stack starts with this; nothing else in the database does.
BROKER_KEY_PREFIX = "soundscapify-bench:"
SAMPLE_RATE = 16000
START_TIMEOUT_S = 240  # two pool processes load TensorFlow at once on a shared 2-core machine
STOP_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 30
KNEE_THROUGHPUT_GAIN = 0.10
KNEE_P95_GROWTH = 0.50
UNLIMITED = "1000000"
PENDING_STATUSES = ("queued", "processing")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
COLUMN_WIDTHS = (5, 9, 6, 9, 7, 7, 7, 12)
LATENCY_POLL_S = 0.05
# Many users polling every 50 ms are hundreds of requests a second competing with classification
# for the same 2 cores (8 users, one run each on a busy machine: 5.1 results/s at 0.05 s, 8.3 at 0.25 s).
LOAD_POLL_S = 0.25


# --- Configuration ------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["latency", "load", "both"], default="both")
    parser.add_argument(
        "--smoke", action="store_true", help="a short run for CI: 3 latency clips, then 1 and 2 users with 3 clips each"
    )
    parser.add_argument("--embedded", action="store_true", help="SQLite and the filesystem broker")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL, help="a Redis database (only keys under its own prefix are used)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench-load", help="media, logs, SQLite")
    parser.add_argument("--clips", type=int, default=30, help="latency mode: clips measured")
    parser.add_argument("--clip-seconds", type=float, default=10.0, help="latency mode: clip length")
    parser.add_argument("--users", default="1,2,4,8", help="load mode: concurrent users per step")
    parser.add_argument("--load-clip-seconds", type=float, default=5.0)
    parser.add_argument("--step-seconds", type=float, default=30.0, help="load mode: users start clips this long")
    parser.add_argument("--clips-per-user", type=int, default=200, help="load mode: at most this many per step")
    parser.add_argument("--format", choices=["wav", "flac"], default="wav")
    polls = f"seconds between polls (default: {LATENCY_POLL_S} in latency mode, {LOAD_POLL_S} in load mode)"
    parser.add_argument("--poll-interval", type=float, help=polls)
    parser.add_argument("--clip-timeout", type=float, default=60.0, help="seconds a clip may take to get its result")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--ml-concurrency", type=int, default=2)
    args = parser.parse_args(argv)
    if args.smoke:
        # Bound by counts, not time: a slow CI machine still sends exactly these clips.
        args.mode, args.clips, args.users, args.step_seconds, args.clips_per_user = "both", 3, "1,2", 60.0, 3
    args.user_steps = sorted({int(n) for n in args.users.split(",") if n.strip()})
    if not args.embedded:
        for url in (args.database_url, args.broker_url):
            if urlsplit(url).hostname not in LOOPBACK:
                parser.error(f"{url}: the bench runs on loopback only")
    return args


def stack_environment(args: argparse.Namespace, *, broker_key_prefix: str = BROKER_KEY_PREFIX) -> dict[str, str]:
    """The environment of this process and of every process it starts: one database, broker, media."""
    work = args.work_dir.resolve()
    env = {
        "DJANGO_SETTINGS_MODULE": "soundscapify.settings.base",
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "MEDIA_ROOT": str(work / "media"),
        "NO_PROXY": "127.0.0.1,localhost",
        # Each bench user polls many times a second and uploads far more than a person would.
        "API_THROTTLE_USER": f"{UNLIMITED}/minute",
        "API_THROTTLE_ANON": f"{UNLIMITED}/minute",
        "SCENES_RECORDINGS_PER_HOUR": UNLIMITED,
        "SCENES_STORAGE_PER_USER_BYTES": str(10**12),
    }
    # Per-process counters are enough where every limit is lifted, and leave no keys anywhere.
    env["CACHE_URL"] = "locmemcache://"
    if args.embedded:
        env["DATABASE_URL"] = f"sqlite:///{work / 'bench.sqlite3'}"
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_FILESYSTEM_BROKER_DIR"] = str(work / "broker")
    else:
        env["DATABASE_URL"] = args.database_url
        env["CELERY_BROKER_URL"] = args.broker_url
        env["CELERY_BROKER_KEY_PREFIX"] = broker_key_prefix
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --- Database, broker, users -----------------------------------------------------------------


def prepare_database(*, user_prefix: str = USER_PREFIX) -> None:
    """Create the bench database on first use, migrate it, and forget the previous run's users."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        _create_postgres_database(database)
    else:
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    # Rows go one by one (a signal deletes each file): fine for a bench's few thousand.
    get_user_model().objects.filter(username__startswith=user_prefix).delete()
    print(f"database {database['NAME']} ({database['ENGINE'].rsplit('.', 1)[-1]})")


def _create_postgres_database(database: dict[str, Any]) -> None:
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(
        dbname="postgres", user=database["USER"], password=database["PASSWORD"] or None,
        host=database["HOST"] or "127.0.0.1", port=database["PORT"] or 5432,
    )
    connection.autocommit = True  # CREATE DATABASE refuses to run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database["NAME"])))
    finally:
        connection.close()


def empty_broker_and_media(work_dir: Path, *, broker_key_prefix: str = BROKER_KEY_PREFIX) -> None:
    """Tasks left by an interrupted run would be the first the new workers take: drop them."""
    from django.conf import settings

    broker_url = settings.CELERY_BROKER_URL
    if broker_url.startswith("redis://"):
        import redis

        # Only the bench's own keys: the database may hold someone else's.
        client = redis.Redis.from_url(broker_url)
        for key in client.scan_iter(match=f"{broker_key_prefix}*", count=500):
            client.delete(key)
    shutil.rmtree(work_dir / "broker", ignore_errors=True)
    shutil.rmtree(work_dir / "media", ignore_errors=True)
    (work_dir / "media").mkdir(parents=True)


def create_bench_users(count: int, *, user_prefix: str = USER_PREFIX) -> list[str]:
    """`count` local accounts with one API token each; returns the token keys."""
    from django.contrib.auth import get_user_model

    from accounts.services import api_token_create

    keys = []
    for index in range(count):
        user = get_user_model().objects.create_user(username=f"{user_prefix}{index}", password=None)
        keys.append(api_token_create(user=user, name="benchmark").key)
    return keys


def pending_recordings() -> int:
    from scenes.models import Recording

    return Recording.objects.filter(user__username__startswith=USER_PREFIX, status__in=PENDING_STATUSES).count()


# --- The stack ---------------------------------------------------------------------------------


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(f"{self.name} exited with {self.process.returncode}:\n{self.log()[-3000:]}")


class BenchError(Exception):
    pass


def _die_with_parent() -> None:
    """In the child before exec: a SIGKILLed bench (a CI timeout) must not leave the stack running."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_service(name: str, command: list[str], env: dict[str, str], logs: Path) -> Service:
    log_path = logs / f"{name}.log"
    with open(log_path, "wb") as log:
        # Its own process group, so that stopping it reaches every child it forked.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    return Service(name, process, log_path)


def stop_service(service: Service) -> None:
    """TERM to the parent (gunicorn and Celery shut their children down), then KILL the group."""
    if service.process.poll() is None:
        service.process.terminate()
        with suppress(subprocess.TimeoutExpired):
            service.process.wait(STOP_TIMEOUT_S)
    with suppress(ProcessLookupError):
        os.killpg(service.process.pid, signal.SIGKILL)  # whatever the parent left behind
    service.process.wait(STOP_TIMEOUT_S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def celery_worker_command(queue: str, concurrency: int) -> list[str]:
    # As docker/compose.yaml runs them; a unique name, since two workers share this host.
    return [
        sys.executable, "-m", "celery", "-A", "soundscapify", "worker", "-Q", queue,
        "--concurrency", str(concurrency), "--loglevel", "INFO", "--hostname", f"bench-{queue}-{os.getpid()}@%h",
    ]


def gunicorn_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "soundscapify.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "60",
    ]


@dataclass
class Stack:
    base_url: str
    services: list[Service]

    def check(self) -> None:
        """Raises BenchError when a process has died (the filesystem broker can crash a worker)."""
        for service in self.services:
            service.check_running()


@contextmanager
def running_stack(args: argparse.Namespace, env: dict[str, str]) -> Iterator[Stack]:
    """gunicorn and the two Celery workers, started and ready; stops them all on the way out."""
    logs = args.work_dir.resolve() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, **env}
    port = free_port()
    services: list[Service] = []
    try:
        services.append(start_service("worker-ml", celery_worker_command("ml", args.ml_concurrency), child_env, logs))
        services.append(start_service("worker-default", celery_worker_command("default", 1), child_env, logs))
        services.append(start_service("web", gunicorn_command(port, args.web_workers), child_env, logs))
        base_url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        wait_until_ready(services, base_url, args.ml_concurrency)
        print(f"stack ready in {time.monotonic() - started:.1f} s (logs in {logs})")
        yield Stack(base_url, services)
    finally:
        for service in reversed(services):
            stop_service(service)


def wait_until_ready(services: list[Service], base_url: str, ml_processes: int) -> None:
    """Until gunicorn answers, both workers are ready and every ml pool process has its model."""
    by_name = {service.name: service for service in services}
    checks: dict[str, Callable[[], bool]] = {
        "web": lambda: _answers(base_url + "/healthz"),
        "worker-default": lambda: " ready." in by_name["worker-default"].log(),
        "worker-ml": lambda: by_name["worker-ml"].log().count(" warm in ") >= ml_processes,
    }
    deadline = time.monotonic() + START_TIMEOUT_S
    while checks:
        if time.monotonic() > deadline:
            raise BenchError(f"not ready after {START_TIMEOUT_S} s: {', '.join(checks)}")
        for service in services:
            service.check_running()
        checks = {name: check for name, check in checks.items() if not check()}
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


# --- Clips and the client ------------------------------------------------------------------------


def synthetic_ambience(seconds: float, seed: int) -> np.ndarray:
    """Something like a street (brownish noise, a hum, a wandering tone), as in tests/scenes/helpers.py."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    noise = np.cumsum(rng.standard_normal(t.size)) * 0.002
    noise -= np.convolve(noise, np.ones(400) / 400, mode="same")
    hum = 0.05 * np.sin(2 * np.pi * (90 + 40 * rng.random()) * t)
    chirp = 0.1 * np.sin(2 * np.pi * (600 + 200 * np.sin(2 * np.pi * 0.3 * t)) * t)
    return (noise + hum + chirp + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


def make_clips(seconds: float, fmt: str, count: int = 8) -> list[bytes]:
    """A few different clips, encoded once: the client should not spend CPU the server needs."""
    clips = []
    for seed in range(count):
        buffer = io.BytesIO()
        sf.write(buffer, synthetic_ambience(seconds, seed), SAMPLE_RATE, format=fmt.upper())
        clips.append(buffer.getvalue())
    return clips


@dataclass(frozen=True)
class ClipOutcome:
    ok: bool
    latency_s: float  # client: POST sent -> a poll answering `done`
    server_s: float | None  # created_at -> completed_at
    error: str = ""


class UserClient:
    """One simulated user: its own HTTP session and API token."""

    def __init__(self, base_url: str, key: str, fmt: str, poll_interval_s: float) -> None:
        self.base_url = base_url
        self.fmt = fmt
        self.poll_interval_s = poll_interval_s
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment: loopback only
        self.session.headers["Authorization"] = f"Bearer {key}"

    def round_trip(self, clip: bytes, timeout_s: float) -> ClipOutcome:
        """Upload `clip` and poll until it is done or failed, or `timeout_s` has passed."""
        sent = time.perf_counter()
        try:
            recording_id = self._upload(clip)
            body = self._poll_until_finished(recording_id, sent + timeout_s)
        except (BenchError, requests.RequestException) as exc:
            return ClipOutcome(False, time.perf_counter() - sent, None, str(exc)[:200])
        elapsed = time.perf_counter() - sent
        if body["status"] != "done":
            return ClipOutcome(False, elapsed, None, f"status {body['status']}: {body.get('error_code')}")
        return ClipOutcome(True, elapsed, server_seconds(body))

    def _upload(self, clip: bytes) -> str:
        files = {"file": (f"clip.{self.fmt}", clip, f"audio/{self.fmt}")}
        response = self.session.post(self.base_url + "/api/v1/recordings/", files=files, timeout=REQUEST_TIMEOUT_S)
        if response.status_code != 201:
            raise BenchError(f"upload answered {response.status_code}: {response.text[:150]}")
        return response.json()["id"]

    def _poll_until_finished(self, recording_id: str, deadline: float) -> dict[str, Any]:
        url = f"{self.base_url}/api/v1/recordings/{recording_id}/"
        while time.perf_counter() < deadline:
            response = self.session.get(url, timeout=REQUEST_TIMEOUT_S)
            if response.status_code != 200:
                raise BenchError(f"poll answered {response.status_code}: {response.text[:150]}")
            body = response.json()
            if body["status"] not in PENDING_STATUSES:
                return body
            time.sleep(self.poll_interval_s)
        raise BenchError("no result in time")


def server_seconds(body: dict[str, Any]) -> float | None:
    if not body.get("completed_at"):
        return None
    created, completed = (_timestamp(body[key]) for key in ("created_at", "completed_at"))
    return (completed - created).total_seconds()


# --- Running users ------------------------------------------------------------------------------------


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))  # DRF writes UTC as "Z"


@dataclass
class StepResult:
    users: int
    elapsed_s: float
    outcomes: list[ClipOutcome] = field(default_factory=list)

    @property
    def completed(self) -> list[ClipOutcome]:
        return [outcome for outcome in self.outcomes if outcome.ok]

    @property
    def failed(self) -> list[ClipOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.ok]

    @property
    def throughput(self) -> float:
        return len(self.completed) / self.elapsed_s if self.elapsed_s else 0.0

    def latency(self, q: float) -> float:
        return percentile([outcome.latency_s for outcome in self.completed], q)

    def server_latency(self, q: float) -> float:
        return percentile([o.server_s for o in self.completed if o.server_s is not None], q)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def run_users(
    stack: Stack, clients: list[UserClient], clips: list[bytes], *, clips_per_user: int, duration_s: float,
    timeout_s: float,
) -> StepResult:
    """Every client uploads clips one after another until `duration_s` or `clips_per_user`."""
    outcomes: list[ClipOutcome] = []
    lock = threading.Lock()
    started = time.perf_counter()
    stop_starting_at = started + duration_s
    last_result_at = started

    def user_loop(user_index: int, client: UserClient) -> None:
        for n in range(clips_per_user):
            if time.perf_counter() >= stop_starting_at:
                return
            outcome = client.round_trip(clips[(user_index + n) % len(clips)], timeout_s)
            with lock:
                nonlocal last_result_at
                outcomes.append(outcome)
                last_result_at = time.perf_counter()

    # Daemon threads: Ctrl-C ends the main thread, and the stack goes down under them.
    threads = [threading.Thread(target=user_loop, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    join_deadline = stop_starting_at + timeout_s + REQUEST_TIMEOUT_S
    while any(thread.is_alive() for thread in threads):
        stack.check()  # a dead worker would otherwise show only as clips timing out, a minute later
        if time.perf_counter() > join_deadline:
            raise BenchError("simulated users still running past their deadline")
        time.sleep(0.1)
    # Ends at the last result, not when this loop noticed: its 0.1-s naps are no one's latency.
    return StepResult(len(clients), last_result_at - started, outcomes)


def wait_until_drained(stack: Stack, timeout_s: float) -> None:
    """No bench recording left queued or processing: a step must not inherit the last one's work."""
    deadline = time.monotonic() + timeout_s
    while pending_recordings():
        stack.check()
        if time.monotonic() > deadline:
            raise BenchError(f"recordings still pending {timeout_s:.0f} s after the step")
        time.sleep(0.2)


def warm_up(stack: Stack, clients: list[UserClient], clips: list[bytes], ml_processes: int, timeout_s: float) -> None:
    """Clips of the measured length through every layer (gunicorn workers' lazy imports, each pool
    process's first graph call at that size); their figures are dropped."""
    users = clients[: max(1, ml_processes)]
    result = run_users(stack, users, clips, clips_per_user=2, duration_s=timeout_s, timeout_s=timeout_s)
    if result.failed:
        raise BenchError(f"warm-up clips failed: {result.failed[0].error}")
    wait_until_drained(stack, timeout_s)


# --- Modes and reports -------------------------------------------------------------------------------


def seconds(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f}"


def make_clients(stack: Stack, keys: list[str], args: argparse.Namespace, default_poll_s: float) -> list[UserClient]:
    poll_s = default_poll_s if args.poll_interval is None else args.poll_interval
    return [UserClient(stack.base_url, key, args.format, poll_s) for key in keys]


def run_latency(args: argparse.Namespace, stack: Stack, keys: list[str]) -> StepResult:
    clients = make_clients(stack, keys, args, LATENCY_POLL_S)
    clips = make_clips(args.clip_seconds, args.format)
    warm_up(stack, clients, clips, args.ml_concurrency, args.clip_timeout)
    # Bound by the count: the duration only has to outlast the slowest possible run.
    result = run_users(
        stack, clients[:1], clips, clips_per_user=args.clips, duration_s=args.clips * args.clip_timeout,
        timeout_s=args.clip_timeout,
    )
    report_latency(result, args.clip_seconds)
    return result


def report_latency(result: StepResult, clip_seconds: float) -> None:
    p95 = result.latency(0.95)
    verdict = "met" if p95 < 1.0 else "NOT met"
    print(f"\nlatency: one user, {clip_seconds:g}-s clips one after another")
    print(
        f"  n {len(result.completed)}, failed {len(result.failed)}; client upload-to-result "
        f"p50 {seconds(result.latency(0.5))} s, p95 {seconds(p95)} s, p99 {seconds(result.latency(0.99))} s, "
        f"max {seconds(result.latency(1.0))} s"
    )
    print(
        f"  server created->completed p50 {seconds(result.server_latency(0.5))} s, "
        f"p95 {seconds(result.server_latency(0.95))} s"
    )
    print(f"  target p95 < 1 s: {verdict}")
    _print_errors(result)


def run_load(args: argparse.Namespace, stack: Stack, keys: list[str]) -> list[StepResult]:
    clients = make_clients(stack, keys, args, LOAD_POLL_S)
    clips = make_clips(args.load_clip_seconds, args.format)
    warm_up(stack, clients, clips, args.ml_concurrency, args.clip_timeout)
    print(
        f"\nload: {args.load_clip_seconds:g}-s clips, users start clips for {args.step_seconds:g} s "
        f"(at most {args.clips_per_user} each), one poll every {clients[0].poll_interval_s:g} s"
    )
    _print_row("users", "completed", "failed", "results/s", "p50_s", "p95_s", "p99_s", "server_p95_s")
    results = []
    for users in args.user_steps:
        result = run_users(
            stack, clients[:users], clips, clips_per_user=args.clips_per_user, duration_s=args.step_seconds,
            timeout_s=args.clip_timeout,
        )
        results.append(result)
        _print_row(
            users, len(result.completed), len(result.failed), f"{result.throughput:.2f}", seconds(result.latency(0.5)),
            seconds(result.latency(0.95)), seconds(result.latency(0.99)), seconds(result.server_latency(0.95)),
        )
        wait_until_drained(stack, args.clip_timeout)
    print(f"  knee: {knee(results)}")
    for result in results:
        _print_errors(result)
    return results


def _print_row(*cells: object) -> None:
    print("  " + " ".join(f"{cell:>{width}}" for cell, width in zip(cells, COLUMN_WIDTHS, strict=True)), flush=True)


def knee(results: list[StepResult]) -> str:
    """The first step after which throughput gains < 10% while p95 grows > 50% (see the module doc)."""
    for current, following in itertools.pairwise(results):
        gain = following.throughput / current.throughput - 1 if current.throughput else math.inf
        growth = following.latency(0.95) / current.latency(0.95) - 1 if current.completed else math.inf
        if gain < KNEE_THROUGHPUT_GAIN and growth > KNEE_P95_GROWTH:
            return (
                f"{current.users} users ({current.throughput:.2f} results/s; {following.users} users: "
                f"throughput {gain:+.0%}, p95 {growth:+.0%})"
            )
    return "none within the steps tried"


def _print_errors(result: StepResult) -> None:
    errors = sorted({outcome.error for outcome in result.failed})
    for error in errors[:5]:
        print(f"  error ({result.users} users): {error}")


def run(args: argparse.Namespace) -> int:
    env = stack_environment(args)
    setup_django(env)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    prepare_database()
    empty_broker_and_media(args.work_dir.resolve())
    keys = create_bench_users(max([*args.user_steps, args.ml_concurrency, 1]))
    results: list[StepResult] = []
    try:
        with running_stack(args, env) as stack:
            if args.mode in ("latency", "both"):
                results.append(run_latency(args, stack, keys))
            if args.mode in ("load", "both"):
                results.extend(run_load(args, stack, keys))
    finally:
        empty_broker_and_media(args.work_dir.resolve())
    completed, failed = sum(len(r.completed) for r in results), sum(len(r.failed) for r in results)
    print(f"\nsummary: completed {completed}, failed {failed}")
    return 1 if failed else 0


def run_as_script(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> None:
    """Exit with `run`'s status; a bench error or Ctrl-C exits cleanly, the stack stopped."""
    # TERM (a CI runner, `timeout`) unwinds like Ctrl-C: the finally blocks stop the stack.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(run(args))
    except BenchError as exc:
        sys.exit(f"bench failed: {exc}")
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run_as_script(run, parse_args())
