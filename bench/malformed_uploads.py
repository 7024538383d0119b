"""Malformed uploads through the live API, each one counted by how it ended.

    .venv/bin/python bench/malformed_uploads.py --uploads 1000          # PostgreSQL + Redis
    .venv/bin/python bench/malformed_uploads.py --embedded --uploads 1000
    .venv/bin/python bench/malformed_uploads.py --database-url postgres://postgres@127.0.0.1:5432/mine \\
        --broker-url redis://127.0.0.1:6379/10

It starts the same stack as bench/load.py (gunicorn with 3 workers, Celery workers on `ml` and
`default`, rate limits and quotas lifted), in its own database (`soundscapify_bench_malformed`,
kept between runs; its bench users are deleted at the start of the next) and under its own
broker key prefix (`soundscapify-bench-malformed:`, whose keys it deletes at start and end).

Each upload is a POST /api/v1/recordings/ with one of --users bench users' Bearer token. The
uploads cycle through the kinds below, each drawn with variation from a seeded RNG (--seed):

- the files of tests/reliability/fuzz_inputs.py, by family: truncated encodings, random bytes,
  magic bytes then garbage, absurd WAV and FLAC headers, mislabelled files, archives, 0 to 3
  bytes, silence;
- tests/reliability/audio_bombs.py: FLAC and Opus in Matroska without a duration, WAV with
  trailing junk, MP3 behind a giant ID3 tag or an HTML page; 16 KB to 3 MB, and once per kind a
  file just under the 20 MB limit;
- requests that are odd as HTTP: real audio sent as image/png, odd file names, no `file` field,
  `file` as a text field, a body that is not multipart, broken multipart, a chunked body, an
  unknown time zone, and polyglots (audio with an archive behind it, an image before it).

Every upload ends as one of:

- clean 4xx: refused at once, with a JSON body {code, detail} (both non-empty strings);
- 4xx not JSON: a 4xx whose body is not that;
- failed: accepted (201), then polling ends in status `failed` with a non-empty message;
- classified: accepted, then `done` (some of these inputs are valid audio);
- 5xx: any 5xx, at upload or while polling;
- stuck: accepted, but neither done nor failed --stuck-after seconds after the last upload;
- other: anything else (no answer, an unexpected status, `failed` without a message).

Exit status 1 when any upload is 5xx, stuck or other.
"""
from __future__ import annotations

import argparse
import io
import json
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import requests
import soundfile as sf

# Run as a script: this folder is on sys.path, so load.py imports as `load` (mypy names it so too).
from load import (
    LOOPBACK,
    PENDING_STATUSES,
    REQUEST_TIMEOUT_S,
    ROOT,
    SAMPLE_RATE,
    Stack,
    create_bench_users,
    empty_broker_and_media,
    prepare_database,
    run_as_script,
    running_stack,
    setup_django,
    stack_environment,
    synthetic_ambience,
)
from urllib3 import encode_multipart_formdata

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/soundscapify_bench_malformed"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"
BROKER_KEY_PREFIX = "soundscapify-bench-malformed:"
USER_PREFIX = "bench-malformed-"
URL = "/api/v1/recordings/"
KB = 1024
MB = 1024 * KB
SMALL_BOMB_SIZES = (16 * KB, 96 * KB, 388 * KB)
LARGE_BOMB_SIZE = 3200 * KB
LARGE_BOMB_SHARE = 0.1
# Just under SCENES_MAX_UPLOAD_BYTES, so that the whole file is read and checked, not refused on its size.
HUGE_BOMB_SIZE = 20 * MB - 4 * KB
HUGE_BOMB_OCCURRENCE = 20  # the 21st upload of each bomb kind: 5 of them in 1,000 uploads
POLL_PAUSE_S = 0.5
PROBLEMS_SHOWN = 12

CLEAN_4XX, NOT_JSON_4XX, FAILED, CLASSIFIED, SERVER_ERROR, STUCK, OTHER = (
    "clean_4xx", "4xx_not_json", "failed_msg", "classified", "5xx", "stuck", "other",
)
OUTCOMES = (CLEAN_4XX, NOT_JSON_4XX, FAILED, CLASSIFIED, SERVER_ERROR, STUCK, OTHER)
BAD_OUTCOMES = (SERVER_ERROR, STUCK, OTHER)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uploads", type=int, default=1000)
    parser.add_argument("--users", type=int, default=4, help="bench users, each uploading from its own thread")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--stuck-after", type=float, default=120.0, help="seconds after the last upload")
    parser.add_argument("--embedded", action="store_true", help="SQLite and the filesystem broker")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--broker-url", default=DEFAULT_BROKER_URL, help="a Redis database (only keys under its own prefix are used)")
    parser.add_argument("--work-dir", type=Path, default=ROOT / "var" / "bench-malformed", help="media, logs, SQLite")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--ml-concurrency", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.embedded:
        for url in (args.database_url, args.broker_url):
            if urlsplit(url).hostname not in LOOPBACK:
                parser.error(f"{url}: the bench runs on loopback only")
    return args


# --- What is sent -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    kind: str
    label: str  # the variant, for the report
    body: bytes
    content_type: str  # "" sends no Content-Type header
    chunked: bool = False


def multipart(kind: str, label: str, fields: dict[str, Any]) -> Upload:
    body, content_type = encode_multipart_formdata(fields)
    return Upload(kind, label, body, content_type)


def file_upload(kind: str, label: str, name: str, data: bytes, content_type: str = "audio/wav") -> Upload:
    return multipart(kind, label, {"file": (name, data, content_type)})


@cache
def valid_wav(seconds: float, seed: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, synthetic_ambience(seconds, seed), SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def some_valid_wav(rng: np.random.Generator) -> bytes:
    """One of a few short clips of real audio (2 to 4 s): decoding them is the server's work, not ours."""
    return valid_wav(float(rng.choice([2.0, 3.0, 4.0])), int(rng.integers(0, 4)))


# Kinds that are odd as HTTP requests, made here; each takes the RNG and returns one upload.


def wrong_content_type(rng: np.random.Generator) -> Upload:
    name, content_type = [("photo.png", "image/png"), ("page.html", "text/html"), ("setup.exe", "application/x-msdownload"),
                          ("clip.wav", "application/json"), ("clip", "")][int(rng.integers(0, 5))]
    return file_upload("wrong_content_type", content_type or "none", name, some_valid_wav(rng), content_type)


def odd_filename(rng: np.random.Generator) -> Upload:
    names = [("traversal", "../../../etc/passwd.wav"), ("long", "a" * 1000 + ".wav"), ("nul", "clip\x00.exe.wav"),
             ("rtl", "clip\u202evaw.exe"), ("empty", ""), ("control", "\r\n\t.wav"), ("unicode", "雨の音 🌧.wav")]
    label, name = names[int(rng.integers(0, len(names)))]
    return file_upload("odd_filename", label, name, some_valid_wav(rng))


def missing_file_field(rng: np.random.Generator) -> Upload:
    field = ["audio", "upload", "File", "files[]", "recording"][int(rng.integers(0, 5))]
    return multipart("missing_file_field", field, {field: ("clip.wav", some_valid_wav(rng), "audio/wav")})


def file_as_text(rng: np.random.Generator) -> Upload:
    value = ["clip.wav", "", "RIFF....WAVE", "x" * int(rng.integers(1, 100_000))][int(rng.integers(0, 4))]
    return multipart("file_as_text", f"{len(value)} chars", {"file": value})


def not_multipart(rng: np.random.Generator) -> Upload:
    wav = some_valid_wav(rng)
    variants = [
        ("raw audio/wav", wav, "audio/wav"),
        ("json", json.dumps({"file": wav[:64].hex()}).encode(), "application/json"),
        ("urlencoded", b"file=" + wav[:256].hex().encode(), "application/x-www-form-urlencoded"),
        ("octet-stream", wav, "application/octet-stream"),
        ("no content type", wav, ""),
    ]
    label, body, content_type = variants[int(rng.integers(0, len(variants)))]
    return Upload("not_multipart", label, body, content_type)


def broken_multipart(rng: np.random.Generator) -> Upload:
    wav = some_valid_wav(rng)
    whole, content_type = encode_multipart_formdata({"file": ("clip.wav", wav, "audio/wav")})
    boundary = content_type.split("boundary=", 1)[1].encode()
    variants: list[tuple[str, bytes, str]] = [
        ("no closing boundary", whole[: -len(boundary) - 6], content_type),
        ("cut in the file", whole[: int(rng.integers(100, len(whole) // 2))], content_type),
        ("other boundary", whole.replace(boundary, b"x" * len(boundary)), content_type),
        ("no boundary parameter", whole, "multipart/form-data"),
        ("empty boundary", whole, "multipart/form-data; boundary="),
        ("no part headers", whole.replace(b'Content-Disposition: form-data; name="file"; filename="clip.wav"', b""),
         content_type),
        ("header garbage", whole.replace(b"Content-Disposition", bytes(rng.integers(128, 256, 19, dtype=np.uint8))),
         content_type),
        ("empty body", b"", content_type),
    ]
    label, body, header = variants[int(rng.integers(0, len(variants)))]
    return Upload("broken_multipart", label, body, header)


def chunked_body(rng: np.random.Generator) -> Upload:
    upload = file_upload("chunked_body", "chunked", "clip.wav", some_valid_wav(rng))
    return Upload(upload.kind, upload.label, upload.body, upload.content_type, chunked=True)


def bad_time_zone(rng: np.random.Generator) -> Upload:
    zone = ["Mars/Olympus_Mons", "UTC+25", "../../etc/localtime", "Europe/Paris" * 10, "\x00"][int(rng.integers(0, 5))]
    fields = {"file": ("clip.wav", some_valid_wav(rng), "audio/wav"), "time_zone": zone}
    return multipart("bad_time_zone", zone[:20], fields)


def polyglot(rng: np.random.Generator) -> Upload:
    from tests.reliability.fuzz_inputs import png_bytes

    wav = some_valid_wav(rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not audio " * 100)
    variants = [("wav+zip", wav + buffer.getvalue()), ("png+wav", png_bytes(rng) + wav),
                ("zip+wav", buffer.getvalue() + wav), ("wav+html", wav + b"<html><script>alert(1)</script></html>")]
    label, data = variants[int(rng.integers(0, len(variants)))]
    return file_upload("polyglot", label, f"{label.replace('+', '-')}.wav", data)


REQUEST_KINDS: dict[str, Callable[[np.random.Generator], Upload]] = {
    "wrong_content_type": wrong_content_type,
    "odd_filename": odd_filename,
    "missing_file_field": missing_file_field,
    "file_as_text": file_as_text,
    "not_multipart": not_multipart,
    "broken_multipart": broken_multipart,
    "chunked_body": chunked_body,
    "bad_time_zone": bad_time_zone,
    "polyglot": polyglot,
}
BOMB_FILE_NAMES = {
    "flac-mkv-no-duration": ("rain.mkv", "audio/x-matroska"), "opus-webm-no-duration": ("rain.webm", "audio/webm"),
    "wav-trailing-junk": ("rain.wav", "audio/wav"), "mp3-giant-id3": ("rain.mp3", "audio/mpeg"),
    "html-then-mp3": ("rain.mp3", "audio/mpeg"),
}


@cache
def bomb_bytes(kind: str, size: int) -> bytes:
    from tests.reliability.audio_bombs import BUILDERS

    return BUILDERS[kind](size).data


def bomb_upload(kind: str, rng: np.random.Generator, occurrence: int) -> Upload:
    if occurrence == HUGE_BOMB_OCCURRENCE:
        size = HUGE_BOMB_SIZE
    elif rng.random() < LARGE_BOMB_SHARE:
        size = LARGE_BOMB_SIZE
    else:
        size = int(rng.choice(SMALL_BOMB_SIZES))
    name, content_type = BOMB_FILE_NAMES[kind]
    return file_upload(kind, f"{size // KB} KB", name, bomb_bytes(kind, size), content_type)


def make_uploads(count: int, seed: int) -> list[Upload]:
    """`count` uploads cycling through every kind: the fuzz files' families, the bombs, the odd requests."""
    from tests.reliability.audio_bombs import BUILDERS
    from tests.reliability.fuzz_inputs import malformed_inputs

    files_by_family: dict[str, list[Any]] = {}
    for bad in malformed_inputs(seed):
        files_by_family.setdefault(bad.family, []).append(bad)
    kinds = [*files_by_family, *BUILDERS, *REQUEST_KINDS]
    rng = np.random.default_rng(seed)
    uploads = []
    for index in range(count):
        kind, occurrence = kinds[index % len(kinds)], index // len(kinds)
        if kind in files_by_family:
            bad = files_by_family[kind][int(rng.integers(0, len(files_by_family[kind])))]
            uploads.append(file_upload(kind, bad.name, bad.name, bad.data))
        elif kind in BUILDERS:
            uploads.append(bomb_upload(kind, rng, occurrence))
        else:
            uploads.append(REQUEST_KINDS[kind](rng))
    return uploads


# --- Sending and polling ---------------------------------------------------------------------------


@dataclass
class Result:
    upload: Upload
    outcome: str = ""
    detail: str = ""  # the refusal's status and code, the failure's code, or what went wrong
    recording_id: str = ""
    user: int = 0


def new_session(key: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: loopback only
    session.headers["Authorization"] = f"Bearer {key}"
    return session


def send(session: requests.Session, base_url: str, upload: Upload) -> requests.Response:
    headers = {"Content-Type": upload.content_type} if upload.content_type else {}
    # A generator makes requests send the body in chunks, without Content-Length.
    body: bytes | Iterable[bytes] = iter([upload.body]) if upload.chunked else upload.body
    return session.post(base_url + URL, data=body, headers=headers, timeout=REQUEST_TIMEOUT_S)


def record_upload_answer(result: Result, response: requests.Response) -> None:
    """Sets the outcome from the upload's answer; a 201 leaves it empty, for polling to decide."""
    status = response.status_code
    if status == 201:
        result.recording_id = str(_json(response).get("id") or "")
        if not result.recording_id:
            result.outcome, result.detail = OTHER, f"201 without an id: {response.text[:120]}"
    elif status >= 500:
        result.outcome, result.detail = SERVER_ERROR, f"upload {status}: {response.text[:120]}"
    elif 400 <= status < 500:
        body = _json(response)
        clean = all(isinstance(body.get(key), str) and body[key] for key in ("code", "detail"))
        result.outcome = CLEAN_4XX if clean else NOT_JSON_4XX
        result.detail = f"{status} {body['code']}" if clean else f"{status} {response.text[:120]!r}"
    else:
        result.outcome, result.detail = OTHER, f"upload {status}: {response.text[:120]}"


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def upload_all(stack: Stack, sessions: list[requests.Session], results: list[Result]) -> float:
    """Each user's thread sends its share (every len(sessions)-th upload); returns when the last answered."""
    def user_loop(user: int) -> None:
        for result in results[user :: len(sessions)]:
            result.user = user
            try:
                record_upload_answer(result, send(sessions[user], stack.base_url, result.upload))
            except requests.RequestException as exc:
                result.outcome, result.detail = OTHER, f"no answer: {exc!s:.120}"

    # Daemon threads: Ctrl-C ends the main thread, and the stack goes down under them.
    threads = [threading.Thread(target=user_loop, args=(user,), daemon=True) for user in range(len(sessions))]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        stack.check()
        time.sleep(0.2)
    return time.monotonic()


def poll_until_settled(stack: Stack, sessions: list[requests.Session], results: list[Result], deadline: float) -> None:
    """Polls every accepted upload until it is done or failed; what is left at `deadline` is stuck."""
    pending = [result for result in results if result.recording_id and not result.outcome]
    while pending and time.monotonic() < deadline:
        stack.check()
        for result in pending:
            poll_once(sessions[result.user], stack.base_url, result)
        pending = [result for result in pending if not result.outcome]
        time.sleep(POLL_PAUSE_S)
    for result in pending:
        result.outcome = STUCK  # its detail says the status it was last seen in


def poll_once(session: requests.Session, base_url: str, result: Result) -> None:
    try:
        response = session.get(f"{base_url}{URL}{result.recording_id}/", timeout=REQUEST_TIMEOUT_S)
    except requests.RequestException as exc:
        result.outcome, result.detail = OTHER, f"poll, no answer: {exc!s:.120}"
        return
    body = _json(response)
    if response.status_code >= 500:
        result.outcome, result.detail = SERVER_ERROR, f"poll {response.status_code}: {response.text[:120]}"
    elif response.status_code != 200:
        result.outcome, result.detail = OTHER, f"poll {response.status_code}: {response.text[:120]}"
    elif body.get("status") == "done":
        result.outcome = CLASSIFIED
    elif body.get("status") == "failed":
        has_message = isinstance(body.get("error_message"), str) and body["error_message"].strip()
        result.outcome = FAILED if has_message else OTHER
        result.detail = f"{body.get('error_code')}" if has_message else f"failed without a message: {body}"[:160]
    elif body.get("status") in PENDING_STATUSES:
        result.detail = f"still {body['status']}"
    else:
        result.outcome, result.detail = OTHER, f"poll: unknown status {body.get('status')!r}"


# --- Report ------------------------------------------------------------------------------------------


def outcome_table(results: list[Result]) -> list[str]:
    counts: dict[str, Counter[str]] = {}
    for result in results:
        counts.setdefault(result.upload.kind, Counter())[result.outcome] += 1
    total = sum(counts.values(), Counter[str]())
    width = max(len(kind) for kind in [*counts, "kind"])
    lines = [f"  {'kind':<{width}} {'n':>5} " + " ".join(f"{name:>10}" for name in OUTCOMES)]
    for kind, counter in [*counts.items(), ("total", total)]:
        cells = " ".join(f"{counter[name]:>10}" for name in OUTCOMES)
        lines.append(f"  {kind:<{width}} {sum(counter.values()):>5} {cells}")
    return lines


def tally(results: list[Result], outcome: str) -> str:
    details = Counter(result.detail for result in results if result.outcome == outcome)
    return ", ".join(f"{detail} x{count}" for detail, count in details.most_common()) or "none"


def write_results(results: list[Result], path: Path) -> None:
    """One JSON line per upload (kind, variant, outcome, detail): what the table counts, for a closer look."""
    with open(path, "w") as out:
        for result in results:
            row = {"kind": result.upload.kind, "variant": result.upload.label, "outcome": result.outcome,
                   "detail": result.detail, "recording": result.recording_id}
            out.write(json.dumps(row) + "\n")


def report(results: list[Result], users: int, upload_s: float, settle_s: float) -> None:
    print(f"\n{len(results)} malformed uploads, POST {URL} from {users} users")
    print("\n".join(outcome_table(results)))
    print(f"\nrefused (status code): {tally(results, CLEAN_4XX)}")
    print(f"failed after upload (error_code): {tally(results, FAILED)}")
    if any(result.outcome == STUCK for result in results):
        print(f"stuck (last status seen): {tally(results, STUCK)}")
    problems = [r for r in results if r.outcome in (*BAD_OUTCOMES, NOT_JSON_4XX)]
    for result in problems[:PROBLEMS_SHOWN]:
        print(f"  {result.outcome}: {result.upload.kind} ({result.upload.label!r:.60}): {result.detail}")
    print(
        f"\nwall time: uploads {upload_s:.1f} s ({len(results) / upload_s:.1f} uploads/s), "
        f"last result {settle_s:.1f} s after the first upload"
    )


# --- Run ----------------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    began = time.monotonic()
    env = stack_environment(args, broker_key_prefix=BROKER_KEY_PREFIX)
    setup_django(env)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(user_prefix=USER_PREFIX)
    work_dir = args.work_dir.resolve()
    empty_broker_and_media(work_dir, broker_key_prefix=BROKER_KEY_PREFIX)
    keys = create_bench_users(args.users, user_prefix=USER_PREFIX)
    results = [Result(upload) for upload in make_uploads(args.uploads, args.seed)]
    try:
        with running_stack(args, env) as stack:
            sessions = [new_session(key) for key in keys]
            started = time.monotonic()
            last_upload_at = upload_all(stack, sessions, results)
            poll_until_settled(stack, sessions, results, last_upload_at + args.stuck_after)
            report(results, args.users, last_upload_at - started, time.monotonic() - started)
    finally:
        empty_broker_and_media(work_dir, broker_key_prefix=BROKER_KEY_PREFIX)
    write_results(results, work_dir / "results.jsonl")
    print(f"each upload's outcome: {work_dir / 'results.jsonl'}")
    print(f"whole run: {time.monotonic() - began:.1f} s (making the files and starting the stack included)")
    return 1 if any(result.outcome in BAD_OUTCOMES for result in results) else 0


if __name__ == "__main__":
    run_as_script(run, parse_args())
