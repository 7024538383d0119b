"""Database connections killed under a running server do not break the requests after them."""
from __future__ import annotations

import psycopg2
import pytest
from django.db import connection

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
