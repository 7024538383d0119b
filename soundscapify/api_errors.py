"""Errors on the API answer JSON, never Django's HTML error page.

Two layers, since DRF sees only what its views raise: `exception_handler` turns a lost or
refused database connection inside a DRF view into a 503; `server_error` (the root URLconf's
handler500) answers everything else that escapes on an /api/ path, from middleware too.
Both bodies are {"code": ..., "detail": ...}, the detail a constant sentence.
"""
from __future__ import annotations

import sys
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"
DATABASE_UNAVAILABLE = "The service is briefly unavailable. Please try again in a moment."
SERVER_ERROR = "Something went wrong on our side. Please try again later."
# Long enough for CONN_HEALTH_CHECKS to reconnect after a database restart or failover.
RETRY_AFTER_S = 30


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's answers, plus 503 for a database that is unreachable or went away mid-request."""
    response = drf_exception_handler(exc, context)
    if response is None and isinstance(exc, DatabaseError):
        response = Response(_database_unavailable_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON on API paths (503 when the database failed), the HTML page elsewhere.

    Django calls it while handling the exception, so sys.exc_info() still names it.
    """
    if not request.path.startswith(API_PREFIX):
        return defaults.server_error(request)
    if isinstance(sys.exc_info()[1], DatabaseError):
        response = JsonResponse(_database_unavailable_body(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
    return JsonResponse({"code": "server_error", "detail": SERVER_ERROR}, status=500)


def _database_unavailable_body() -> dict[str, str]:
    return {"code": "database_unavailable", "detail": DATABASE_UNAVAILABLE}
