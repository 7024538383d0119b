"""Database connections killed under a running server do not break the requests after them, and
an unreachable database answers the API in JSON."""
from __future__ import annotations

import json

import psycopg2
import pytest
import requests
from django.db import connection
from django.test import RequestFactory

from soundscapify.api_errors import DATABASE_UNAVAILABLE, SERVER_ERROR_MESSAGE, server_error
from tests.reliability.conftest import ProductServer


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")


def terminate_server_backends() -> int:
    """Kill the server's sessions on the test database, as a PostgreSQL restart or failover would.

    The test's own connection is spared: it still has to clean the database up afterwards.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    admin = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), %s)",
                [own_pid],
            )
            return cursor.fetchone()[0]
    finally:
        admin.close()


def test_requests_succeed_after_the_servers_connection_is_killed(
    postgres_only: None, product_server: ProductServer
) -> None:
    assert product_server.get("/readyz").status_code in (200, 503)  # opens a persistent connection

    killed = terminate_server_backends()

    assert killed >= 1  # the server's connection was among them
    # CONN_HEALTH_CHECKS makes the next request notice the dead connection and reconnect.
    signup_page = product_server.get("/account/signup/")
    assert signup_page.status_code == 200
    readiness = product_server.get("/readyz").json()
    assert "database" not in readiness.get("failures", {})


def test_the_api_answers_503_json_while_the_database_is_unreachable(start_product_server) -> None:
    # Any database the server cannot open: the same OperationalError as a refused connection.
    server = start_product_server(env={"DATABASE_URL": "sqlite:////nonexistent-folder/db.sqlite3"})

    bearer = {"Authorization": "Bearer some-token-key"}

    reads = server.get("/api/v1/me/", headers=bearer)
    uploads = requests.post(server.url + "/api/v1/recordings/", files={"file": ("a.wav", b"RIFF")}, headers=bearer, timeout=10)

    for response in (reads, uploads):
        assert response.status_code == 503, response.text[:500]
        assert response.headers["Content-Type"] == "application/json"
        assert response.json() == {"code": "database_unavailable", "detail": DATABASE_UNAVAILABLE}
        assert response.headers["Retry-After"] == "30"


def test_an_unexpected_error_on_an_api_path_answers_json() -> None:
    """handler500 itself, for what escapes outside DRF's views (middleware, URL resolution)."""
    request = RequestFactory().get("/api/v1/anything/")

    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert json.loads(response.content) == {"code": "server_error", "detail": SERVER_ERROR_MESSAGE}
