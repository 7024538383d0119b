"""/healthz says the process is alive; /readyz checks what a request needs."""
from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_answers_without_touching_dependencies(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_when_database_broker_model_and_migrations_are(client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == ["broker", "database", "migrations", "model"]


@pytest.mark.django_db
def test_readyz_names_an_unreachable_broker(client, monkeypatch) -> None:
    # Port 9 (discard) has no listener here: the connection is refused at once. Celery reads
    # the CELERY_BROKER_URL environment variable before its own configuration, on every access;
    # patching app.conf instead would be ignored on the Redis run.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:9/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failures"]["broker"].startswith("broker unreachable")


@pytest.mark.django_db
def test_readyz_names_a_missing_model(client, settings, tmp_path) -> None:
    settings.SCENE_MODEL_DIR = tmp_path / "no-model-here"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failures"]["model"].startswith("scene model unusable")


@pytest.mark.django_db
def test_readyz_leaves_the_model_to_the_workers_where_the_web_image_has_none(client, settings, tmp_path) -> None:
    settings.READYZ_CHECK_MODEL = False
    settings.SCENE_MODEL_DIR = tmp_path / "no-model-here"

    response = client.get("/readyz")

    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == ["broker", "database", "migrations"]
