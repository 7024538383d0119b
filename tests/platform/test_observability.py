"""Request ids in responses, logs and task headers; secrets never in log lines."""
from __future__ import annotations

import json
import logging
import sys

import pytest
from celery.signals import before_task_publish

from soundscapify.observability import (
    REDACTED,
    JsonFormatter,
    RequestIdFilter,
    current_request_id,
)


@pytest.mark.django_db
def test_each_response_carries_a_fresh_request_id(client) -> None:
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) == 32 and first != second


@pytest.mark.django_db
def test_a_proxy_request_id_is_kept_and_a_malformed_one_replaced(client) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-12345678"})
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})

    assert kept["X-Request-ID"] == "proxy-abc-12345678"
    assert replaced["X-Request-ID"] != "bad id\nwith newline"


def test_tasks_published_during_a_request_carry_its_id() -> None:
    token = current_request_id.set("req-0123456789")
    headers: dict[str, str] = {}
    try:
        before_task_publish.send(sender="scenes.tasks.classify_recording", headers=headers, body=())
    finally:
        current_request_id.reset(token)

    assert headers["request_id"] == "req-0123456789"


def format_json(message: str, *args: object) -> dict:
    record = logging.LogRecord("soundscapify", logging.INFO, __file__, 1, message, args, None)
    RequestIdFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_log_lines_are_json_with_the_request_id() -> None:
    token = current_request_id.set("req-log-12345678")
    try:
        entry = format_json("classified %s", "recording 7")
    finally:
        current_request_id.reset(token)

    assert entry["message"] == "classified recording 7"
    assert entry["request_id"] == "req-log-12345678"
    assert entry["level"] == "INFO"


@pytest.mark.parametrize(
    "leaky, secret",
    [
        ("Authorization: Bearer BQD-access.token_value", "BQD-access.token_value"),
        ("refresh with refresh_token=AQB-secret-refresh", "AQB-secret-refresh"),
        ('{"access_token": "BQC-json-token", "expires_in": 3600}', "BQC-json-token"),
        ("login failed for password=hunter2!", "hunter2!"),
        ("Authorization: Basic dGVzdDpzZWNyZXQ=", "dGVzdDpzZWNyZXQ="),
    ],
)
def test_tokens_and_passwords_are_redacted_from_log_lines(leaky: str, secret: str) -> None:
    message = format_json(leaky)["message"]

    assert secret not in message
    assert REDACTED in message


def test_a_traceback_is_logged_with_its_secrets_redacted() -> None:
    try:
        raise ValueError("token refused: refresh_token=AQB-in-a-traceback")
    except ValueError:
        record = logging.LogRecord("soundscapify", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))

    assert "ValueError" in entry["exception"]
    assert "AQB-in-a-traceback" not in entry["exception"]


def test_extra_attributes_stay_out_of_json_lines() -> None:
    # Django logs the request object as an extra; its text holds the query string.
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found", (), None)
    record.request = "<WSGIRequest: GET '/complete/spotify/?code=AQC-oauth-code'>"
    entry = json.loads(JsonFormatter().format(record))

    assert set(entry) == {"time", "level", "logger", "message", "request_id"}
