"""Architecture rules: one Spotify client module; the API schema documents accounts cleanly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

CLIENT_PACKAGE = Path(settings.BASE_DIR, "accounts", "spotify")
ALLOWED = {CLIENT_PACKAGE, Path(settings.BASE_DIR, "accounts", "spotify_backend.py")}
SKIP_DIRS = {".venv", "tests", "var", "node_modules", ".git", "staticfiles", "media"}


def _project_sources() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [
        p
        for p in base.rglob("*.py")
        if not SKIP_DIRS.intersection(p.relative_to(base).parts) and not any(p.is_relative_to(a) for a in ALLOWED)
    ]


def test_only_the_spotify_client_module_talks_to_spotify() -> None:
    offenders = [
        str(p)
        for p in _project_sources()
        if re.search(r"^\s*(import spotipy|from spotipy)|api\.spotify\.com", p.read_text(errors="ignore"), re.M)
    ]
    # settings name the default URL; nothing else may.
    offenders = [o for o in offenders if "/settings/" not in o]
    assert offenders == []


def test_the_accounts_api_schema_generates_without_warnings() -> None:
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("accounts.api_urls"))])

    schema = generator.get_schema(request=None, public=True)

    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": pytest.approx(schema["components"]["securitySchemes"]["apiToken"]["description"]),
    }
    assert set(schema["paths"]) == {
        "/api/v1/auth/token/",
        "/api/v1/auth/tokens/",
        "/api/v1/auth/tokens/{token_id}/",
        "/api/v1/me/",
        "/api/v1/me/export/",
    }
    assert "security" not in schema["paths"]["/api/v1/auth/token/"]["post"]  # no credentials needed
