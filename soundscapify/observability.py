"""Request ids carried from a web request into the Celery tasks it enqueues, and JSON log lines.

A request id comes from the proxy's X-Request-ID header (or is made here), is echoed
in the response, stamped on every log record, and travels to tasks in a message header.
Hand-written because django-guid, the library for this, either accepts only UUIDs or
(unvalidated) any text, newlines included; a proxy's ids are neither.
"""
from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import pythonjsonlogger.json
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="-")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = incoming_request_id(request)
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def incoming_request_id(request: HttpRequest) -> str:
    """The proxy's id when it looks like one (never trust it into logs unchecked), else a new one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _VALID_REQUEST_ID.match(offered) else uuid.uuid4().hex


@before_task_publish.connect
def _stamp_task_with_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = current_request_id.get()


@task_prerun.connect
def _adopt_task_request_id(task: Any = None, **kwargs: Any) -> None:
    request_id = getattr(task.request, TASK_HEADER, None) if task else None
    current_request_id.set(request_id or f"task-{uuid.uuid4().hex[:12]}")


@task_postrun.connect
def _forget_task_request_id(**kwargs: Any) -> None:
    current_request_id.set("-")


# --- logging ---------------------------------------------------------------------------

# Tokens and passwords must never reach a log line, whoever logged them.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?:access_token|refresh_token|client_secret|password|code)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"),
    re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]+"),
]
REDACTED = "[redacted]"


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class JsonFormatter(pythonjsonlogger.json.JsonFormatter):
    """One JSON object per line (python-json-logger), secrets redacted.

    The redaction and the fixed set of fields are ours: no logging library knows which
    strings are Spotify tokens, and an extra attribute (Django logs the request object,
    whose text holds the query string) must not bring one into the line unredacted.
    """

    FIELDS = ("time", "level", "logger", "message", "request_id", "exception")

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message", "request_id"],
            rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
            timestamp="time",
            json_ensure_ascii=False,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        entry = {field: log_data[field] for field in self.FIELDS if log_data.get(field) is not None}
        entry.setdefault("request_id", current_request_id.get())  # a handler without RequestIdFilter
        for field in ("message", "exception"):
            if field in entry:
                entry[field] = redact(str(entry[field]))
        return entry


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    formatter = "json" if json_lines else "plain"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "soundscapify.observability.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "soundscapify.observability.JsonFormatter"},
            "plain": {
                "()": "soundscapify.observability.PlainFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": formatter, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
    }
