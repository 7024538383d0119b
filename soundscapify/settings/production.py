"""Production: secrets from the environment, HTTPS everywhere, no debug."""
from __future__ import annotations

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from soundscapify.observability import logging_config

from .base import *  # noqa: F401,F403
from .base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # no default: refuse to start without one
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Spotify token encryption (accounts): no key derived from SECRET_KEY here, and a malformed
# key stops the start instead of failing every sign-in.
TOKEN_ENCRYPTION_KEYS = [key.strip() for key in env.list("TOKEN_ENCRYPTION_KEYS", default=[]) if key.strip()]
if not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set TOKEN_ENCRYPTION_KEYS (comma-separated Fernet keys, the first encrypts).")
for _number, _key in enumerate(TOKEN_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TOKEN_ENCRYPTION_KEYS: key {_number} is not a Fernet key ({_error}).") from None

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in rate limits (accounts): behind docker/'s nginx, the client is the address it
# appends to X-Forwarded-For. Set TRUSTED_PROXY_COUNT to the number of proxies in front (2
# behind an outer TLS terminator), and 0 where gunicorn is reachable without one.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT  # noqa: F405

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env("LOG_LEVEL", default="INFO"))
