"""Settings for the test suite: fast hashing, in-memory mail, files under a temp folder.

A real Celery worker started by a test runs with these settings too, so everything
that must be shared with it (database file, media folder, broker folder) can be
handed over through the environment; each pytest process otherwise gets its own,
so that several test runs on one machine never share state.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403
from .base import CELERY_BROKER_URL, DATABASES, VAR_DIR, env, filesystem_broker_options

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=None) or tempfile.mkdtemp(prefix="soundscapify-media-"))

_RUN_ID = env("SOUNDSCAPIFY_TEST_RUN_ID", default=str(os.getpid()))
VAR_DIR.mkdir(exist_ok=True)  # absent in a fresh clone; the test database file lives there
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # On a file, not in memory: a worker process must be able to open it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{_RUN_ID}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_soundscapify_{_RUN_ID}"}

if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / f"test-broker-{_RUN_ID}")

SPOTIFY_CLIENT_ID = "test-client-id"
SPOTIFY_CLIENT_SECRET = "test-client-secret"
SOCIAL_AUTH_SPOTIFY_KEY = SPOTIFY_CLIENT_ID
SOCIAL_AUTH_SPOTIFY_SECRET = SPOTIFY_CLIENT_SECRET
SPOTIFY_ENABLED = True
SPOTIFY_REQUEST_TIMEOUT = 5.0

# One process, fresh for every run: the in-memory cache, emptied between tests by
# tests/accounts/conftest.py. The shipped default (the database cache, shared by processes)
# is what tests/reliability/test_signin_limits.py runs gunicorn on.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
