"""Settings shared by every environment, read from the environment (django-environ).

Defaults give a working product with nothing else running: SQLite in the project
folder and Celery's filesystem broker. `test` and `production` override a few values.
"""
from __future__ import annotations

import base64  # for the development TOKEN_ENCRYPTION_KEYS (Spotify token encryption block)
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF

from soundscapify.observability import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A fixed development key: production.py refuses to start without SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", default="dev-only-key-not-for-production-0c9f3b1e7a5d4c2b8e6f")
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "soundscapify.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "csp",
    "drf_spectacular_sidecar",
    "social_django",
    "django_celery_beat",
    "soundscapify",
    "accounts",
    "scenes",
    "recommendations",
    "ml",
]

MIDDLEWARE = [
    "soundscapify.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "soundscapify.security.SignedInResponsesNotStoredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "soundscapify.error_pages.ProductErrorPagesMiddleware",
    "accounts.middleware.SpotifyAuthErrorMiddleware",
]

ROOT_URLCONF = "soundscapify.urls"
WSGI_APPLICATION = "soundscapify.wsgi.application"
ASGI_APPLICATION = "soundscapify.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.spotify",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker processes share the file: wait for a lock instead of failing. IMMEDIATE:
    # a transaction that read first and then writes (an upload, storing a result) would
    # otherwise get "database is locked" at once when another process writes, without
    # waiting, since SQLite refuses to wait on a read-to-write upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (sign-in limits and API throttles: every process must see the same counts) ---
# The default is a table in the database (created by accounts' migrations), which every
# process shares; CACHE_URL=redis://... moves it to Redis. Never a per-process memory cache:
# each gunicorn worker would count on its own. No culling below a million entries: an
# attacker who fills the table must not evict the counters that hold him back.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://soundscapify_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 1_000_000)

# --- Auth ---------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "accounts.spotify_backend.SpotifyOAuth2",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
# Signed in, people come to record: the Listen page, not the account page.
LOGIN_REDIRECT_URL = "scenes:capture"
LOGOUT_REDIRECT_URL = "home"

# --- Spotify --------------------------------------------------------------------
SPOTIFY_CLIENT_ID = env("SPOTIFY_CLIENT_ID", default="")
SPOTIFY_CLIENT_SECRET = env("SPOTIFY_CLIENT_SECRET", default="")
SPOTIFY_REDIRECT_URI = env("SPOTIFY_REDIRECT_URI", default="http://127.0.0.1:8000/complete/spotify/")
SPOTIFY_ACCOUNTS_BASE_URL = env("SPOTIFY_ACCOUNTS_BASE_URL", default="https://accounts.spotify.com")
SPOTIFY_API_BASE_URL = env("SPOTIFY_API_BASE_URL", default="https://api.spotify.com/v1/")
SPOTIFY_REQUEST_TIMEOUT = env.float("SPOTIFY_REQUEST_TIMEOUT", default=10.0)
SPOTIFY_ENABLED = bool(SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET)

# --- Content-Security-Policy (django-csp) ------------------------------------------
def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Our own scripts only, never inline ones. Allowing a new source is one more entry in its
# directive's list (e.g. "frame-src": ["https://open.spotify.com"]).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Style attributes (a bar's width) cannot run code; <style> blocks stay forbidden.
        "style-src-attr": ["'unsafe-inline'"],
        # Album artwork comes from Spotify's image host (Track.artwork_url shows no other).
        "img-src": [SELF, "data:", "https://i.scdn.co"],
        # The recorder previews a clip from a blob: URL before it is uploaded.
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        # The songs page plays a track in Spotify's embed player, loaded when asked for.
        "frame-src": ["https://open.spotify.com"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # A sign-in form may redirect on to Spotify's consent page, which form-action governs.
        "form-action": [SELF, origin_of(SPOTIFY_ACCOUNTS_BASE_URL)],
    },
}

SOCIAL_AUTH_SPOTIFY_KEY = SPOTIFY_CLIENT_ID
SOCIAL_AUTH_SPOTIFY_SECRET = SPOTIFY_CLIENT_SECRET
SOCIAL_AUTH_SPOTIFY_SCOPE = [
    "user-read-recently-played",
    "user-top-read",
    "playlist-modify-private",
    "playlist-modify-public",
    # Lets a retried export find the playlist it already made (private ones are hidden without it).
    "playlist-read-private",
]
# Without expires_in in extra_data, social-auth never knows a token has expired.
SOCIAL_AUTH_SPOTIFY_EXTRA_DATA = ["expires_in"]
SOCIAL_AUTH_SPOTIFY_AUTHORIZATION_URL = f"{SPOTIFY_ACCOUNTS_BASE_URL.rstrip('/')}/authorize"
SOCIAL_AUTH_SPOTIFY_ACCESS_TOKEN_URL = f"{SPOTIFY_ACCOUNTS_BASE_URL.rstrip('/')}/api/token"
SOCIAL_AUTH_URL_NAMESPACE = "social"
SOCIAL_AUTH_JSONFIELD_ENABLED = True
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/scenes/"
SOCIAL_AUTH_NEW_ASSOCIATION_REDIRECT_URL = "/account/"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/account/login/"
SOCIAL_AUTH_RAISE_EXCEPTIONS = False
SOCIAL_AUTH_PIPELINE = [
    "social_core.pipeline.social_auth.social_details",
    "social_core.pipeline.social_auth.social_uid",
    "social_core.pipeline.social_auth.auth_allowed",
    "social_core.pipeline.social_auth.social_user",
    "social_core.pipeline.user.get_username",
    "social_core.pipeline.user.create_user",
    "social_core.pipeline.social_auth.associate_user",
    "social_core.pipeline.social_auth.load_extra_data",
    "social_core.pipeline.user.user_details",
]

# --- Spotify token encryption (accounts/spotify/encryption.py) ---------------------------
# Fernet keys, comma-separated: the first encrypts, every one decrypts. To rotate, put the
# new key first, run `manage.py reseal_spotify_tokens`, then drop the old key. New key:
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
# Unset: a development key derived from SECRET_KEY. production.py requires the variable.
TOKEN_ENCRYPTION_KEYS = [key.strip() for key in env.list("TOKEN_ENCRYPTION_KEYS", default=[]) if key.strip()] or [
    base64.urlsafe_b64encode(hashlib.sha256(f"soundscapify-token-encryption:{SECRET_KEY}".encode()).digest()).decode()
]

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    # Token first: DRF answers 401 + WWW-Authenticate from the first class (403 if session).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "soundscapify.schema.ApiAutoSchema",
    # Every error answer has one shape, {code, detail, errors?}, a database outage a 503:
    # soundscapify/api_errors.py.
    "EXCEPTION_HANDLER": "soundscapify.api_errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SoundScapify API",
    "DESCRIPTION": "Ambience-aware music recommendations: recordings, scenes, recommendations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request and response shapes as separate components: a file field is binary in an
    # upload, and a field that refuses blanks declares minLength: 1 where it is sent.
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from our own static files: no CDN is needed to read the docs.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Three models have a `status`: each its own named enum.
    "ENUM_NAME_OVERRIDES": {
        "RecordingStatusEnum": "scenes.models.Recording.Status",
        "ListeningSessionStatusEnum": "scenes.models.ListeningSession.Status",
        "LiveSnippetStatusEnum": "scenes.models.LiveSnippet.Status",
    },
}

# --- Sign-in rate limits (accounts/ratelimit.py) ---------------------------------------
# Failed sign-ins (HTML form and API token endpoint share the counts) per username and
# client address, per username from every address it has not signed in from lately (brief,
# so that nobody can keep its owner out for long), and per address over every username.
# Password-reset requests per e-mail and address. Windows in seconds.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=15 * 60)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=10)
LOGIN_ACCOUNT_FAILURE_WINDOW = env.int("LOGIN_ACCOUNT_FAILURE_WINDOW", default=5 * 60)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
LOGIN_ADDRESS_FAILURE_WINDOW = env.int("LOGIN_ADDRESS_FAILURE_WINDOW", default=15 * 60)
PASSWORD_RESET_LIMIT = env.int("PASSWORD_RESET_LIMIT", default=5)
PASSWORD_RESET_WINDOW = env.int("PASSWORD_RESET_WINDOW", default=60 * 60)
# How many reverse proxies append to X-Forwarded-For (nginx in docker/: 1), and the networks
# they connect from. The header is read only from a peer in those networks; with 0 proxies,
# or from any other peer, the client address is REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
PRIVATE_NETWORKS = ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
TRUSTED_PROXY_NETWORKS = env.list("TRUSTED_PROXY_NETWORKS", default=PRIVATE_NETWORKS)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# Any request to POST /api/v1/auth/token/, per address, on top of the failed-log-in limit.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"] = env("API_THROTTLE_AUTH_TOKEN", default="10/minute")

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")


def filesystem_broker_options(folder: Path) -> dict[str, object]:
    """The filesystem transport's folders: producers and workers must agree on them."""
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "processed_folder": str(folder / "processed"),
        "store_processed": False,
        # kombu's default, 1 s between looks at an empty queue, let each worker process take
        # about one job a second: a burst of uploads waited minutes on the embedded default.
        "polling_interval": 0.1,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(
        Path(env("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "broker")))
    )
else:
    # With acks_late, Redis redelivers a task unacknowledged after this long (a worker died):
    # keep it above the task time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
    # Redis: put every broker key under a prefix, so that two stacks can share one database.
    if env("CELERY_BROKER_KEY_PREFIX", default=""):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env("CELERY_BROKER_KEY_PREFIX")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"scenes.tasks.*": {"queue": "ml"}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# --- Files ----------------------------------------------------------------------
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
_MEDIA_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
    if AWS_STORAGE_BUCKET_NAME
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- E-mail -----------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SoundScapify <noreply@soundscapify.local>")

# --- Scene model --------------------------------------------------------------------
SCENE_MODEL_DIR = Path(env("SCENE_MODEL_DIR", default=str(BASE_DIR / "ml" / "artifacts" / "current")))
# /readyz checks the artifact where the model lives beside the web process (one machine, one
# image). The web image ships without it, so its readiness leaves the model to the workers.
READYZ_CHECK_MODEL = env.bool("READYZ_CHECK_MODEL", default=True)

# --- Misc ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
# Dates read the same on every page (soundscapify/formats/en/formats.py).
FORMAT_MODULE_PATH = ["soundscapify.formats"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

LOG_FORMAT = env("LOG_FORMAT", default="plain")  # "json" for one JSON object per line
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env("LOG_LEVEL", default="INFO"))
# Celery keeps our handlers instead of installing its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Scenes -------------------------------------------------------------------------
SCENES_MAX_UPLOAD_BYTES = env.int("SCENES_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
SCENES_MIN_DURATION_S = env.float("SCENES_MIN_DURATION_S", default=1.0)
SCENES_MAX_DURATION_S = env.float("SCENES_MAX_DURATION_S", default=120.0)
SCENES_RECORDINGS_PER_HOUR = env.int("SCENES_RECORDINGS_PER_HOUR", default=30)
SCENES_STORAGE_PER_USER_BYTES = env.int("SCENES_STORAGE_PER_USER_BYTES", default=200 * 1024 * 1024)
SCENES_AUDIO_RETENTION_DAYS = env.int("SCENES_AUDIO_RETENTION_DAYS", default=30)
# Personal scenes (scenes/personal.py): a user's corrections, kept as embeddings, lean later
# results. An example counts when its cosine similarity to the clip is at least this: with
# the shipped model, 82% of pairs of clips of one recording and 0.4% of pairs of other scenes
# reach 0.85 (scenes/RESULTS.md). n counting examples get weight n / (n + K); each user
# keeps at most MAX examples (the oldest go first).
SCENES_PERSONAL_SIMILARITY = env.float("SCENES_PERSONAL_SIMILARITY", default=0.85)
SCENES_PERSONAL_WEIGHT_K = env.float("SCENES_PERSONAL_WEIGHT_K", default=3.0)
SCENES_PERSONAL_MAX_EXAMPLES = env.int("SCENES_PERSONAL_MAX_EXAMPLES", default=200)
# Live mode (scenes/live.py): a snippet every SCENES_LIVE_INTERVAL_S seconds by default, the
# person may pick between the minimum and maximum. Snippets do not count toward the hourly
# recording limit; instead a user has one open session, at most one snippet per minimum
# interval (a little early is allowed: timers drift), a bounded session and short snippets.
SCENES_LIVE_INTERVAL_S = env.int("SCENES_LIVE_INTERVAL_S", default=30)
SCENES_LIVE_MIN_INTERVAL_S = env.int("SCENES_LIVE_MIN_INTERVAL_S", default=10)
SCENES_LIVE_MAX_INTERVAL_S = env.int("SCENES_LIVE_MAX_INTERVAL_S", default=300)
SCENES_LIVE_SNIPPET_S = env.float("SCENES_LIVE_SNIPPET_S", default=5.0)  # what the page records
SCENES_LIVE_MAX_SNIPPET_S = env.float("SCENES_LIVE_MAX_SNIPPET_S", default=10.0)
SCENES_LIVE_MAX_SNIPPET_BYTES = env.int("SCENES_LIVE_MAX_SNIPPET_BYTES", default=1024 * 1024)
SCENES_LIVE_MAX_SESSION_S = env.int("SCENES_LIVE_MAX_SESSION_S", default=4 * 60 * 60)
# Snippets in a row that must agree on a new scene before the held scene changes.
SCENES_LIVE_HOLD_SNIPPETS = env.int("SCENES_LIVE_HOLD_SNIPPETS", default=2)
# A pool child loads the scene model (TensorFlow) in worker_process_init; Celery's default
# of 4 s would kill a child still loading it on a busy machine.
CELERY_WORKER_PROC_ALIVE_TIMEOUT = env.float("CELERY_WORKER_PROC_ALIVE_TIMEOUT", default=120.0)
CELERY_BEAT_SCHEDULE = globals().get("CELERY_BEAT_SCHEDULE", {})
CELERY_BEAT_SCHEDULE["scenes-purge-expired-audio"] = {
    "task": "scenes.tasks.purge_expired_audio",
    "schedule": 6 * 60 * 60,  # seconds; each run deletes only audio past the retention period
    "options": {"queue": "default"},
}
# Classification only: a 120-s clip takes under a second (0.8 s at most measured). A job still
# processing this long after its start is stale; the next sweep sends it again (scenes/README.md).
SCENES_CLASSIFY_TIME_LIMIT = env.int("SCENES_CLASSIFY_TIME_LIMIT", default=60)
# Every worker sweeps for stale jobs this often (seconds; 0: only beat's job below does).
SCENES_STALE_SWEEP_INTERVAL = env.int("SCENES_STALE_SWEEP_INTERVAL", default=30)
CELERY_BEAT_SCHEDULE["scenes-requeue-stale-recordings"] = {
    "task": "scenes.tasks.requeue_stale_recordings",
    "schedule": 60,
    "options": {"queue": "default"},
}

# --- Recommendations ------------------------------------------------------------------
# The defaults and their meanings live in one place, recommendations/conf.py; a variable
# set in the environment overrides its default here. RECOMMENDATIONS_ENERGY_BANDS: the
# energy band by local hour, as "start hour:band" (e.g. "2:low,12:high,18:mid").
if "RECOMMENDATIONS_ENERGY_BANDS" in env:
    RECOMMENDATIONS_ENERGY_BANDS = [(int(hour), band) for hour, band in (step.split(":") for step in env.list("RECOMMENDATIONS_ENERGY_BANDS"))]
if "RECOMMENDATIONS_REFRESH_SEARCHES" in env:
    RECOMMENDATIONS_REFRESH_SEARCHES = env.list("RECOMMENDATIONS_REFRESH_SEARCHES")
if "RECCOBEATS_ENABLED" in env:
    RECCOBEATS_ENABLED = env.bool("RECCOBEATS_ENABLED")
if "RECCOBEATS_BASE_URL" in env:
    RECCOBEATS_BASE_URL = env("RECCOBEATS_BASE_URL")
if "RECOMMENDATIONS_SPOTIFY_AUDIO_FEATURES_ENABLED" in env:
    RECOMMENDATIONS_SPOTIFY_AUDIO_FEATURES_ENABLED = env.bool("RECOMMENDATIONS_SPOTIFY_AUDIO_FEATURES_ENABLED")
