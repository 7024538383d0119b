"""Limits on password guessing and reset-mail floods, counted in the Django cache.

A limiter counts attempts per (identifier, client address) in a fixed window that starts
with the first counted attempt. Once `limit` attempts are counted, `blocked()` is true
until the window ends. The identifier (username or e-mail) is counted whether or not an
account has it, so a refusal never tells whether the account exists.

Counters live in settings.CACHES["default"]: shared by every process when it is Redis
(CACHE_URL), per process with the local-memory default.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.settings import api_settings


@dataclass(frozen=True)
class AttemptLimiter:
    """`scope` names the counter; `limit_setting` and `window_setting` name the settings
    holding the number of attempts and the window in seconds (read on every call)."""

    scope: str
    limit_setting: str
    window_setting: str

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def window(self) -> int:
        return int(getattr(settings, self.window_setting))

    def blocked(self, *, identifier: str, address: str) -> bool:
        return int(cache.get(self._key(identifier, address), 0)) >= self.limit

    def record(self, *, identifier: str, address: str) -> int:
        """Count one attempt; return how many the window holds now."""
        key = self._key(identifier, address)
        cache.add(key, 0, timeout=self.window)  # only the first attempt starts the window
        try:
            return int(cache.incr(key))
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, timeout=self.window)
            return 1

    def reset(self, *, identifier: str, address: str) -> None:
        cache.delete(self._key(identifier, address))

    def _key(self, identifier: str, address: str) -> str:
        # Hashed: usernames and e-mail addresses stay out of the cache, and any
        # character is safe in a cache key.
        digest = hashlib.sha256(f"{identifier.strip().casefold()}\0{address}".encode()).hexdigest()
        return f"accounts:attempts:{self.scope}:{digest}"


# Failed log-ins through the HTML form and the API token endpoint share one counter, so
# alternating between them gains an attacker nothing.
failed_logins = AttemptLimiter("login", "LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_WINDOW")
password_resets = AttemptLimiter("password-reset", "PASSWORD_RESET_LIMIT", "PASSWORD_RESET_WINDOW")


def client_address(request: HttpRequest) -> str:
    """The client's address as DRF's throttles see it (REST_FRAMEWORK["NUM_PROXIES"]).

    With NUM_PROXIES = n > 0, the n-th address from the right of X-Forwarded-For (what the
    last of our n proxies saw); with 0, REMOTE_ADDR. Never the client-supplied left end.
    """
    remote_addr = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    num_proxies = api_settings.NUM_PROXIES
    if num_proxies is None or num_proxies == 0 or not forwarded:
        return remote_addr
    addresses = [a.strip() for a in str(forwarded).split(",")]
    return addresses[-min(int(num_proxies), len(addresses))]


def window_minutes(limiter: AttemptLimiter) -> int:
    return max(1, -(-limiter.window // 60))  # rounded up: never promise too early
