from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_throttle_history() -> None:
    """DRF keeps throttle history in the cache, which outlives a test."""
    cache.clear()
