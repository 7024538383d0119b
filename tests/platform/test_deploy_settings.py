"""The production settings module passes Django's deployment checklist."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "soundscapify.settings.production",
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-9f8e7d6c5b4a3928171615141312",
    "ALLOWED_HOSTS": "soundscapify.example",
    "TOKEN_ENCRYPTION_KEYS": "aMGYIsyCY-26J7kjtsgB5Nu_y91ANZEwSA3ejucN7G4=",
}


def run_manage(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_on_production_settings(tmp_path: Path) -> None:
    collected = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}
    assert run_manage("collectstatic", "--noinput", extra_env=collected).returncode == 0

    result = run_manage("check", "--deploy", "--fail-level", "WARNING", extra_env=collected)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_fails_without_collected_static_files(tmp_path: Path) -> None:
    """Without the manifest, production answers every page with a 500."""
    uncollected = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}

    result = run_manage("check", "--deploy", extra_env=uncollected)

    assert result.returncode != 0
    assert "soundscapify.E001" in result.stderr and "collectstatic" in result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    without_key = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", extra_env=without_key)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_django_start_up_does_not_import_tensorflow() -> None:
    code = (
        "import django, sys; django.setup(); "
        "import soundscapify.urls, soundscapify.celery; "
        "print('tensorflow' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "soundscapify.settings.base"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(settings.BASE_DIR), env=env,
        capture_output=True, text=True, timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
