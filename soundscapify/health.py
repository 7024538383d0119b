"""Liveness and readiness probes for load balancers and orchestrators.

Hand-written: django-health-check (4.8) answers a failure with a fixed 500 and keys its
JSON by check repr, where orchestrators here read 503 and {"failures": {part: reason}};
and its Celery check pings workers, where readiness needs the broker reachable.
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

BROKER_TIMEOUT_S = 2.0


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving requests; says nothing of its dependencies."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """200 when every dependency answers, else 503 naming the ones that failed."""
    checks = readiness_checks()
    failures = {name: reason for name, check in checks.items() if (reason := check())}
    if failures:
        return JsonResponse({"status": "unavailable", "failures": failures}, status=503)
    return JsonResponse({"status": "ok", "checks": sorted(checks)})


def readiness_checks() -> dict[str, Callable[[], str | None]]:
    """What this process's readiness depends on: the model only where it is installed beside it."""
    if settings.READYZ_CHECK_MODEL:
        return READINESS_CHECKS
    return {name: check for name, check in READINESS_CHECKS.items() if name != "model"}


def database_failure() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any driver error means "not ready"
        return f"database unreachable: {error.__class__.__name__}"
    return None


def migrations_failure() -> str | None:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return f"migrations unknown: {error.__class__.__name__}"
    return f"{len(pending)} migrations not applied" if pending else None


def broker_failure() -> str | None:
    from soundscapify.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_S)
    except Exception as error:
        return f"broker unreachable: {error.__class__.__name__}"
    return None


def model_failure() -> str | None:
    """The artifact is present and intact; workers load it, the web process only checks it."""
    from ml.artifacts import verify_artifact

    try:
        verify_artifact(settings.SCENE_MODEL_DIR)
    except Exception as error:
        return f"scene model unusable: {error}"
    return None


READINESS_CHECKS: dict[str, Callable[[], str | None]] = {
    "database": database_failure,
    "migrations": migrations_failure,
    "broker": broker_failure,
    "model": model_failure,
}
