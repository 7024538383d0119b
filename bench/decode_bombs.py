"""Decoding bombs and audio carriers: what the upload check and the worker spend on each.

    .venv/bin/python bench/decode_bombs.py                       # this checkout
    .venv/bin/python bench/decode_bombs.py --project ../main     # another checkout (before a change)
    .venv/bin/python bench/decode_bombs.py --kinds flac-mkv-no-duration --sizes 96K,3200K

The files come from tests/reliability/audio_bombs.py (this checkout): FLAC or Opus in
Matroska/WebM stating no duration, 5 s of audio behind a giant ID3 tag, before junk or
after an HTML page; 16 KB to 20 MB. Each file is measured in a fresh process that imports
the code of --project and runs, as the product does:

- web: `scenes.audio.inspect_audio` (the check inside the upload request; 1 to 120 s);
- worker: `scenes.audio.decode_recording` then `encode_for_storage` where the project has
  them, else `ml.decoding.decode_audio(target_sr=16000, max_duration_s=120)`, the worker's
  decode before them; "stored" is what the project keeps of an accepted file.

Peak is the growth of the process's resident set during the call (its peak, VmHWM, restarted
just before the call, minus its size then; MB); time is the call's wall time. Each process may grow its address space by
--memory-limit-mb, so that an unbounded decode ends in MemoryError instead of the OOM
killer, and is stopped after --timeout seconds.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MIN_DURATION_S = 1.0
MAX_DURATION_S = 120.0
CHILD = r"""
import io, json, re, resource, sys, time
project, path, mode, limit_mb = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, project)
import scenes.audio as audio
from ml.decoding import decode_audio

data = open(path, "rb").read()
vm_kb = int(re.search(r"VmSize:\s+(\d+)", open("/proc/self/status").read()).group(1))
limit = (vm_kb + limit_mb * 1024) * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

def web():
    audio.inspect_audio(io.BytesIO(data), min_duration_s=MIN, max_duration_s=MAX)
    return len(data)

def worker():
    if hasattr(audio, "decode_recording"):
        audio.decode_recording(data, target_sr=16000, min_duration_s=MIN, max_duration_s=MAX)
        return len(audio.encode_for_storage(data, max_duration_s=MAX))
    decode_audio(data, target_sr=16000, max_duration_s=MAX)
    return len(data)

def status_kb(field):
    return int(re.search(field + r":\s+(\d+)", open("/proc/self/status").read()).group(1))

open("/proc/self/clear_refs", "w").write("5")  # restart the peak (VmHWM) from the current size
before = status_kb("VmRSS")
started = time.perf_counter()
stored = None
try:
    stored = web() if mode == "web" else worker()
    outcome = "accepted"
except MemoryError:
    outcome = "MemoryError"
except Exception as exc:
    outcome = getattr(exc, "code", type(exc).__name__)
elapsed = time.perf_counter() - started
peak_mb = (status_kb("VmHWM") - before) / 1024
print(json.dumps({"outcome": outcome, "seconds": elapsed, "peak_mb": peak_mb, "stored": stored}))
""".replace("MIN", repr(MIN_DURATION_S)).replace("MAX", repr(MAX_DURATION_S))


def parse_size(text: str) -> int:
    units = {"K": 1024, "M": 1024 * 1024}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def measure(project: Path, path: Path, mode: str, limit_mb: int, timeout: float) -> dict[str, object]:
    command = [sys.executable, "-c", CHILD, str(project), str(path), mode, str(limit_mb)]
    try:
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"outcome": f"timeout>{timeout:g}s", "seconds": timeout, "peak_mb": float("nan"), "stored": None}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"outcome": f"died({done.returncode})", "seconds": float("nan"), "peak_mb": float("nan"), "stored": None}
    return json.loads(lines[-1])


def cell(result: dict[str, object]) -> str:
    return f"{result['outcome']:<14} {result['seconds']:>7.3f} {result['peak_mb']:>8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--project", type=Path, default=ROOT, help="checkout whose code is measured")
    parser.add_argument("--kinds", default="", help="comma-separated; default: all")
    parser.add_argument("--sizes", default="16K,96K,388K,3200K,20M")
    parser.add_argument("--memory-limit-mb", type=int, default=3072)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soundscapify.settings.base")
    import django

    django.setup()  # the bomb recipes reuse the scenes tests' audio helpers
    from tests.reliability.audio_bombs import BUILDERS, bomb

    kinds = args.kinds.split(",") if args.kinds else list(BUILDERS)
    sizes = [parse_size(size) for size in args.sizes.split(",")]
    project = args.project.resolve()
    print(f"project: {project}")
    print(f"{'file':<22} {'bytes':>9} {'audio s':>9} | {'web':<14} {'s':>7} {'peak MB':>8} | "
          f"{'worker':<14} {'s':>7} {'peak MB':>8} | {'stored':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for kind in kinds:
            for size in sizes:
                made = bomb(kind, size)
                path = Path(folder) / f"{kind}-{size}"
                path.write_bytes(made.data)
                web = measure(project, path, "web", args.memory_limit_mb, args.timeout)
                worker = measure(project, path, "worker", args.memory_limit_mb, args.timeout)
                stored = worker["stored"] if web["outcome"] == "accepted" else None
                print(f"{kind:<22} {len(made.data):>9} {made.audio_s:>9.0f} | {cell(web)} | {cell(worker)} | "
                      f"{'-' if stored is None else stored:>9}", flush=True)


if __name__ == "__main__":
    main()
