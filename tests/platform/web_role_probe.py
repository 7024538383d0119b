"""Run as `python -m tests.platform.web_role_probe`: what the web role loads while it serves.

Imports the WSGI entry point as gunicorn does, signs a new superuser in, GETs every route
that takes no argument (pages, API, admin) and uploads a recording, then prints one JSON
object: each request's status and which of ML_MODULES ended up in sys.modules; exits 1
when any was loaded or a request answered 5xx.

It needs only requirements/base.txt (no pytest, nothing of ml.txt), so it also runs in a
virtualenv of the web image's packages; the database must be migrated.
"""
from __future__ import annotations

import importlib
import io
import json
import re
import sys
import uuid
import wave
from collections.abc import Iterator
from typing import Any

import numpy as np

ML_MODULES = ("tensorflow", "keras", "librosa")
UPLOAD_URL = "/api/v1/recordings/"
# A route with a converter or a regular expression needs arguments we do not have.
TAKES_ARGUMENTS = re.compile(r"[<(^$]")


def main() -> int:
    """Exits 1 when a request failed (5xx) or an ML library was loaded."""
    importlib.import_module("soundscapify.wsgi")  # what gunicorn imports; it sets Django up
    statuses = serve_every_page()
    loaded = [name for name in ML_MODULES if name in sys.modules]
    print(json.dumps({"statuses": statuses, "loaded": loaded}))
    return 1 if loaded or max(statuses.values()) >= 500 else 0


def serve_every_page() -> dict[str, int]:
    """Status of each request, by path; an exception in a view propagates (the test client's default)."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.create_superuser(f"probe-{uuid.uuid4().hex[:8]}", password=None))
    statuses = {path: client.get(path).status_code for path in argument_free_paths()}
    statuses[f"POST {UPLOAD_URL}"] = client.post(UPLOAD_URL, {"file": wav_upload()}).status_code
    return statuses


def argument_free_paths() -> list[str]:
    from django.urls import get_resolver

    return sorted({"/" + route for route in walk(get_resolver().url_patterns) if not TAKES_ARGUMENTS.search(route)})


def walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if hasattr(entry, "url_patterns"):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def wav_upload() -> Any:
    """Three seconds of a quiet tone as 16-bit WAV, written with the standard library."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    sample_rate = 16000
    tone = 0.1 * np.sin(2 * np.pi * 440 * np.arange(3 * sample_rate) / sample_rate)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes((tone * 32767).astype("<i2").tobytes())
    return SimpleUploadedFile("probe.wav", buffer.getvalue(), content_type="audio/wav")


if __name__ == "__main__":
    sys.exit(main())
