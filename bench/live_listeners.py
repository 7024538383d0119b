"""Live-mode load: N simulated listeners send snippets to their sessions on the real stack.

    .venv/bin/python bench/live_listeners.py --listeners 1,2,4,8,16 --step-seconds 60
    .venv/bin/python bench/live_listeners.py --smoke                  # about two minutes
    .venv/bin/python bench/live_listeners.py --database-url postgres://postgres@127.0.0.1:5432/mydb \
        --broker-url redis://127.0.0.1:6379/6

It starts the same stack as bench/load.py (gunicorn, a Celery worker on `ml` with 2 pool
processes and one on `default`, PostgreSQL and Redis, or --embedded), with its own users
(`bench-live-*`) and broker key prefix, and stops it on exit.

Each listener opens a listening session through the API, then sends a --snippet-seconds
snippet every --interval seconds (the minimum interval is lowered to allow it: a listener
at 2 s is fifteen of the Listen page's at 30 s), polling its session until the snippet has its
result. A listener whose result comes later than the interval sends its next one at once.

Printed per step: snippets classified and failed, snippets/s (results per second of the
step's wall time), p50/p95 snippet-to-result latency as the client sees it (POST sent to
the poll that shows the result; one poll every --poll-interval s) and the server's
(the snippet's created_at to classified_at). Then the largest N whose client p95 is under
1 s, with the number of listeners at the page's default 30-s interval that the same rate
stands for, and how many snippet files remain on disk (none should: each snippet's audio
is deleted once classified).

Exit status 1 when a snippet failed or got no result in --snippet-timeout seconds, or when
audio remains.
"""
from __future__ import annotations

import argparse
import io
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import soundfile as sf

# Run as a script: this folder is on sys.path, so load.py imports as `load` (mypy names it so too).
from load import (
    DEFAULT_BROKER_URL,
    DEFAULT_DATABASE_URL,
    LOOPBACK,
    REQUEST_TIMEOUT_S,
    ROOT,
    SAMPLE_RATE,
    BenchError,
    Stack,
    create_bench_users,
    empty_broker_and_media,
    percentile,
    prepare_database,
    run_as_script,
    running_stack,
    setup_django,
    stack_environment,
    synthetic_ambience,
)

USER_PREFIX = "bench-live-"
BROKER_KEY_PREFIX = "soundscapify-bench-live:"
PAGE_INTERVAL_S = 30  # what the Listen page sends by default (SCENES_LIVE_INTERVAL_S)
TARGET_P95_S = 1.0
COLUMNS = (9, 9, 6, 10, 7, 7, 12)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listeners", default="1,2,4,8,16", help="concurrent listeners per step")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between one listener's snippets")
    parser.add_argument("--snippet-seconds", type=float, default=5.0)
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--poll-interval", type=float, default=0.1)
    parser.add_argument("--snippet-timeout", type=float, default=30.0)
    parser.add_argument("--smoke", action="store_true", help="1 and 2 listeners for 20 s each")
    parser.add_argument("--embedded", action="store_true", help="SQLite and the filesystem broker")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL, help="a Redis database (only keys under its own prefix are used)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench-live")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--ml-concurrency", type=int, default=2)
    args = parser.parse_args(argv)
    if args.smoke:
        args.listeners, args.step_seconds = "1,2", 20.0
    args.steps = sorted({int(n) for n in args.listeners.split(",") if n.strip()})
    if not args.embedded:
        for url in (args.database_url, args.broker_url):
            if urlsplit(url).hostname not in LOOPBACK:
                parser.error(f"{url}: the bench runs on loopback only")
    return args


@dataclass(frozen=True)
class Outcome:
    ok: bool
    latency_s: float
    server_s: float | None
    error: str = ""


@dataclass
class Step:
    listeners: int
    elapsed_s: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def p(self, q: float, server: bool = False) -> float:
        values = [o.server_s for o in self.done if o.server_s is not None] if server else [o.latency_s for o in self.done]
        return percentile(values, q) if values else float("nan")

    @property
    def rate(self) -> float:
        return len(self.done) / self.elapsed_s if self.elapsed_s else 0.0


class Listener:
    """One simulated live-mode client: its token, its session, its snippets."""

    def __init__(self, base_url: str, key: str, args: argparse.Namespace) -> None:
        self.base_url, self.args = base_url, args
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.headers["Authorization"] = f"Bearer {key}"
        self.session_url = ""

    def start(self) -> None:
        body = {"consent": True, "interval_s": max(1, round(self.args.interval))}
        response = self.http.post(f"{self.base_url}/api/v1/listening-sessions/", json=body, timeout=REQUEST_TIMEOUT_S)
        if response.status_code != 201:
            raise BenchError(f"start answered {response.status_code}: {response.text[:200]}")
        self.session_url = f"{self.base_url}/api/v1/listening-sessions/{response.json()['id']}/"

    def stop(self) -> None:
        self.http.post(self.session_url + "stop/", timeout=REQUEST_TIMEOUT_S)

    def snippet(self, data: bytes) -> Outcome:
        sent = time.perf_counter()
        try:
            response = self.http.post(
                self.session_url + "snippets/", files={"file": ("snippet.wav", data, "audio/wav")}, timeout=REQUEST_TIMEOUT_S
            )
            if response.status_code != 202:
                raise BenchError(f"snippet answered {response.status_code}: {response.text[:150]}")
            found = self._poll(response.json()["id"], sent + self.args.snippet_timeout)
        except (BenchError, requests.RequestException) as exc:
            return Outcome(False, time.perf_counter() - sent, None, str(exc)[:200])
        elapsed = time.perf_counter() - sent
        if found["status"] != "done":
            return Outcome(False, elapsed, None, f"failed: {found.get('error_code')}")
        server = (_time(found["classified_at"]) - _time(found["created_at"])).total_seconds()
        return Outcome(True, elapsed, server)

    def _poll(self, snippet_id: str, deadline: float) -> dict[str, Any]:
        while time.perf_counter() < deadline:
            response = self.http.get(self.session_url, timeout=REQUEST_TIMEOUT_S)
            if response.status_code != 200:
                raise BenchError(f"poll answered {response.status_code}")
            for snippet in reversed(response.json()["snippets"]):
                if snippet["id"] == snippet_id and snippet["status"] != "queued":
                    return snippet
            time.sleep(self.args.poll_interval)
        raise BenchError("no result in time")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def make_snippets(seconds: float, count: int = 8) -> list[bytes]:
    snippets = []
    for seed in range(count):
        buffer = io.BytesIO()
        sf.write(buffer, synthetic_ambience(seconds, seed), SAMPLE_RATE, format="WAV", subtype="PCM_16")
        snippets.append(buffer.getvalue())
    return snippets


def run_step(stack: Stack, keys: list[str], listeners: int, args: argparse.Namespace, snippets: list[bytes]) -> Step:
    clients = [Listener(stack.base_url, key, args) for key in keys[:listeners]]
    for client in clients:
        client.start()
    step, lock = Step(listeners), threading.Lock()
    started = time.perf_counter()
    end = started + args.step_seconds

    def listen(index: int, client: Listener) -> None:
        rng = random.Random(index)
        next_at = started + rng.uniform(0, args.interval)  # listeners do not start in step
        while next_at < end:
            time.sleep(max(0.0, next_at - time.perf_counter()))
            outcome = client.snippet(rng.choice(snippets))
            with lock:
                step.outcomes.append(outcome)
            next_at = max(next_at + args.interval, time.perf_counter())

    threads = [threading.Thread(target=listen, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    step.elapsed_s = time.perf_counter() - started
    for client in clients:
        client.stop()
    stack.check()
    return step


def row(*cells: object) -> None:
    print("  " + " ".join(f"{cell:>{width}}" for cell, width in zip(cells, COLUMNS, strict=True)), flush=True)


def report(steps: list[Step], args: argparse.Namespace) -> str:
    held = [s for s in steps if s.done and not s.failed and s.p(0.95) < TARGET_P95_S]
    if not held:
        return "none of the steps tried"
    best = max(held, key=lambda s: s.listeners)
    equivalent = best.listeners * PAGE_INTERVAL_S / args.interval
    return (
        f"{best.listeners} listeners at one snippet every {args.interval:g} s "
        f"({best.rate:.2f} snippets/s; about {equivalent:.0f} listeners at the page's {PAGE_INTERVAL_S} s)"
    )


def run(args: argparse.Namespace) -> int:
    env = stack_environment(args, broker_key_prefix=BROKER_KEY_PREFIX)
    env["SCENES_LIVE_MIN_INTERVAL_S"] = "1"
    setup_django(env)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(user_prefix=USER_PREFIX)
    work = args.work_dir.resolve()
    empty_broker_and_media(work, broker_key_prefix=BROKER_KEY_PREFIX)
    keys = create_bench_users(max(args.steps), user_prefix=USER_PREFIX)
    snippets = make_snippets(args.snippet_seconds)
    steps: list[Step] = []
    left_on_disk = 0
    try:
        with running_stack(args, env) as stack:
            run_step(stack, keys, 1, argparse.Namespace(**{**vars(args), "step_seconds": 3 * args.interval}), snippets)
            print(
                f"\nlive listeners: a {args.snippet_seconds:g}-s snippet every {args.interval:g} s each, "
                f"{args.step_seconds:g} s a step, one poll every {args.poll_interval:g} s"
            )
            row("listeners", "classified", "failed", "snippets/s", "p50_s", "p95_s", "server_p95_s")
            for listeners in args.steps:
                step = run_step(stack, keys, listeners, args, snippets)
                steps.append(step)
                row(listeners, len(step.done), len(step.failed), f"{step.rate:.2f}", f"{step.p(0.5):.3f}",
                    f"{step.p(0.95):.3f}", f"{step.p(0.95, server=True):.3f}")
            time.sleep(2)  # the last failures' deletions commit
            left_on_disk = sum(1 for p in (work / "media").rglob("*") if p.is_file())
    finally:
        empty_broker_and_media(work, broker_key_prefix=BROKER_KEY_PREFIX)
    print(f"  largest N with p95 < {TARGET_P95_S:g} s: {report(steps, args)}")
    print(f"  snippet files left on disk: {left_on_disk}")
    for step in steps:
        for error in sorted({o.error for o in step.failed})[:3]:
            print(f"  error ({step.listeners} listeners): {error}")
    failed = sum(len(s.failed) for s in steps)
    return 1 if failed or left_on_disk else 0


if __name__ == "__main__":
    run_as_script(run, parse_args())
