"""Limits on password guessing and reset-mail floods, counted in the Django cache.

A limiter allows `limit` attempts per key (an account, an address, or both) within `window`
seconds; past that, `blocked()` is true until the oldest counted attempt is `window` old.
Identifiers (username or e-mail) are counted whether or not an account has them, so a
refusal never tells whether the account exists.

Failed sign-ins (the form and the token API alike, see `sign_in_refusal`) are counted three ways:
- per account and address (LOGIN_FAILURE_*): one guesser at one account;
- per account from every address (LOGIN_ACCOUNT_FAILURE_*): guessers spread over many
  addresses. Brief on purpose, and it spares the addresses the account signed in from in
  the last KNOWN_ADDRESS_DAYS: an attacker cannot keep the owner out cheaply;
- per address over every account (LOGIN_ADDRESS_FAILURE_*): one address spraying accounts.

Counters live in settings.CACHES["default"], which every process must share: the database
cache by default, Redis when CACHE_URL says so.

Hand-written: django-ratelimit counts with cache.incr, a read-then-write in the database
cache (8 threads making 200 failures on PostgreSQL: it counted about 50), in fixed
clock-aligned windows, with no reset; django-axes shares one failure limit and one
cool-off among its lockout parameters and cannot spare the owner's known addresses.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

KNOWN_ADDRESS_DAYS = 30


@dataclass(frozen=True)
class AttemptLimiter:
    """`scope` names the counter; `limit_setting` and `window_setting` name the settings
    holding the number of attempts and the window in seconds (read on every call).

    Each attempt claims one of `limit` slots with cache.add(), which is atomic in every
    cache backend we ship (a unique key in the database cache, SET NX in Redis), where
    incr() is a read-then-write in the database cache: concurrent failures would be lost.
    A slot frees itself `window` seconds after it was claimed.
    """

    scope: str
    limit_setting: str
    window_setting: str

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def window(self) -> int:
        return int(getattr(settings, self.window_setting))

    def blocked(self, *parts: str) -> bool:
        return len(cache.get_many(self._slots(parts))) >= self.limit

    def record(self, *parts: str) -> None:
        """Count one attempt (nothing more to count once every slot is taken)."""
        slots = self._slots(parts)
        taken = cache.get_many(slots)
        for slot in slots:
            if slot not in taken and cache.add(slot, 1, timeout=self.window):
                return

    def reset(self, *parts: str) -> None:
        cache.delete_many(self._slots(parts))

    def _slots(self, parts: tuple[str, ...]) -> list[str]:
        key = _digest(*parts)
        return [f"accounts:attempts:{self.scope}:{key}:{slot}" for slot in range(self.limit)]


def _digest(*parts: str) -> str:
    # Hashed: usernames and e-mail addresses stay out of the cache, and any character is
    # safe in a cache key.
    return hashlib.sha256("\0".join(part.strip().casefold() for part in parts).encode()).hexdigest()


# Failed log-ins through the HTML form and the API token endpoint share these counters, so
# alternating between them gains an attacker nothing.
failed_logins = AttemptLimiter("login", "LOGIN_FAILURE_LIMIT", "LOGIN_FAILURE_WINDOW")
failed_logins_per_account = AttemptLimiter("login-account", "LOGIN_ACCOUNT_FAILURE_LIMIT", "LOGIN_ACCOUNT_FAILURE_WINDOW")
failed_logins_per_address = AttemptLimiter("login-address", "LOGIN_ADDRESS_FAILURE_LIMIT", "LOGIN_ADDRESS_FAILURE_WINDOW")
password_resets = AttemptLimiter("password-reset", "PASSWORD_RESET_LIMIT", "PASSWORD_RESET_WINDOW")


def sign_in_refusal(*, username: str, address: str) -> AttemptLimiter | None:
    """The limiter that refuses this sign-in before its password is checked (the one with the
    longest window when several do), or None when it may be checked."""
    refusing = [
        limiter
        for limiter, parts in _sign_in_counters(username, address)
        if limiter.blocked(*parts)
    ]
    return max(refusing, key=lambda limiter: limiter.window, default=None)


def sign_in_failed(*, username: str, address: str) -> None:
    for limiter, parts in _sign_in_counters(username, address):
        limiter.record(*parts)


def sign_in_succeeded(*, username: str, address: str) -> None:
    """Forget this address's failures for the account, and remember the address as the owner's.

    The per-account and per-address counts stay: the owner signing in must not hand an
    attacker who shares neither a fresh allowance."""
    failed_logins.reset(username, address)
    cache.set(_known_address_key(username, address), 1, timeout=KNOWN_ADDRESS_DAYS * 24 * 3600)


def _sign_in_counters(username: str, address: str) -> list[tuple[AttemptLimiter, tuple[str, ...]]]:
    counters = [(failed_logins, (username, address)), (failed_logins_per_address, (address,))]
    if not cache.get(_known_address_key(username, address)):
        counters.append((failed_logins_per_account, (username,)))
    return counters


def _known_address_key(username: str, address: str) -> str:
    return f"accounts:known-address:{_digest(username, address)}"


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless that is one of our proxies.

    X-Forwarded-For is read only when the peer is in TRUSTED_PROXY_NETWORKS and
    TRUSTED_PROXY_COUNT > 0: then the address our outermost proxy saw, the COUNT-th from the
    right (each of our proxies appends its peer). A client reaching gunicorn directly writes
    the header himself, so it is never read for him; nor is its left end, which any client
    writes.
    """
    remote_addr = str(request.META.get("REMOTE_ADDR", ""))
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    proxies = int(settings.TRUSTED_PROXY_COUNT)
    if proxies <= 0 or not forwarded or not _is_trusted_proxy(remote_addr):
        return remote_addr
    addresses = [a.strip() for a in forwarded.split(",")]
    # Fewer entries than proxies: the request skipped the outer ones, and the left-most entry
    # is still one that our innermost proxy wrote.
    candidate = addresses[-min(proxies, len(addresses))]
    return candidate if _is_address(candidate) else remote_addr


def _is_trusted_proxy(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(peer in ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXY_NETWORKS)


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def window_minutes(limiter: AttemptLimiter) -> int:
    return max(1, -(-limiter.window // 60))  # rounded up: never promise too early
