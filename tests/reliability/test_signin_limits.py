"""Sign-in limits on a real gunicorn with several worker processes and the default cache.

The README's single-machine default counts failures in the database cache: every gunicorn
worker must see the same count, where a per-process memory cache let each worker allow
its own LOGIN_FAILURE_LIMIT.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from django.core.management import call_command
from django.test import override_settings

from accounts.ratelimit import sign_in_refusal
from tests.factories import UserFactory
from tests.reliability.conftest import ProductServer

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN_URL = "/api/v1/auth/token/"
WORKERS = 3
LIMIT = 3
DEFAULT_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "soundscapify_cache"}}


def test_failed_sign_ins_are_counted_once_across_every_worker_process(
    start_product_server: Callable[..., ProductServer],
) -> None:
    with override_settings(CACHES=DEFAULT_CACHE):
        call_command("createcachetable", verbosity=0)  # what accounts' migration does on the default
    server = start_product_server(
        env={"CACHE_URL": "dbcache://soundscapify_cache", "LOGIN_FAILURE_LIMIT": str(LIMIT)}, workers=WORKERS
    )
    user = UserFactory.create()
    wrong = {"username": user.username, "password": "wrong-password", "name": "phone"}

    statuses = [
        requests.post(server.url + TOKEN_URL, json=wrong, timeout=30).status_code for _ in range(LIMIT * WORKERS)
    ]

    assert statuses == [400] * LIMIT + [429] * (LIMIT * (WORKERS - 1))
    with override_settings(CACHES=DEFAULT_CACHE, LOGIN_FAILURE_LIMIT=LIMIT):
        assert sign_in_refusal(username=user.username, address="127.0.0.1") is not None
