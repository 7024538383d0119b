"""Fixtures for the recommendations tests: CSV writers and the shared catalog files."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

SHARED_CATALOG = Path(settings.BASE_DIR).parent / "shared" / "data" / "catalog"


@pytest.fixture
def shared_catalog() -> Path:
    """../shared/data/catalog; the test is skipped where it is missing."""
    if not SHARED_CATALOG.is_dir():
        pytest.skip(f"{SHARED_CATALOG} is not there")
    return SHARED_CATALOG


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "tracks.csv", *, bom: bool = False) -> Path:
        path = tmp_path / name
        data = text.lstrip("\n").encode()
        path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
        return path

    return write
