"""One shape for every error answer of the API: `{"code", "detail", "errors"?}`, never
Django's HTML error page.

`api_exception_handler` (REST_FRAMEWORK["EXCEPTION_HANDLER"]) gives it to everything a DRF
view raises, a lost or refused database connection included (503); `soundscapify.views`
gives it to what Django answers before a view runs (a URL that resolves to nothing, a
refused body) on paths under /api/, and `server_error` (handler500) to whatever else
escapes there, from middleware too. The schema declares it once, as the `Error` component
(soundscapify.schema).
"""
from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

API_PREFIX = "/api/"

INVALID_INPUT_MESSAGE = "Some fields are invalid: see errors."
NOT_FOUND_MESSAGE = "Not found."
BAD_REQUEST_MESSAGE = "Bad request."
FORBIDDEN_MESSAGE = "You do not have permission to perform this action."
SERVER_ERROR_MESSAGE = "Something went wrong on our side. Please try again later."
DATABASE_UNAVAILABLE = "The service is briefly unavailable. Please try again in a moment."
NON_FIELD = "non_field_errors"
# Long enough for CONN_HEALTH_CHECKS to reconnect after a database restart or failover.
RETRY_AFTER_S = 30


class ApiError(exceptions.APIException):
    """A refusal with our own code and a message fit to show a user.

    `retry_after_s` becomes a Retry-After header (DRF's handler reads `wait`).
    """

    def __init__(self, *, status: int, code: str, detail: str, retry_after_s: int | None = None) -> None:
        super().__init__(detail=detail, code=code)
        self.status_code = status
        self.wait = retry_after_s


@extend_schema_serializer(component_name="Error")
class ApiErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer of the API (and of a 5xx, should one happen)."""

    code = serializers.CharField(
        help_text="Machine-readable: invalid, not_found, not_authenticated, throttled, too_large, ..."
    )
    detail = serializers.CharField(help_text="A message to show the user as it is.")
    # Shadows Serializer.errors for the type checker only: DRF's metaclass moves declared
    # fields off the class.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=f"Only for invalid input (code `invalid`): the messages of each field, `{NON_FIELD}` "
        "for those about no one field; nested fields are named `parent.child`.",
    )


def error_body(*, code: str, detail: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return body


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's own handler (status, WWW-Authenticate, Retry-After, rollback), with our body.

    A database that is unreachable or went away mid-request answers 503. Returns None for
    any other exception DRF does not handle: it propagates (a 500, or the Spotify
    middleware's answer).
    """
    response = exception_handler(exc, context)
    if response is None and isinstance(exc, DatabaseError):
        return Response(_database_unavailable_body(), status=503, headers={"Retry-After": str(RETRY_AFTER_S)})
    if response is None:
        return None
    response.data = _body_for(exc, response.status_code)
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
    return JsonResponse(error_body(code="server_error", detail=SERVER_ERROR_MESSAGE), status=500)


def _database_unavailable_body() -> dict[str, Any]:
    return error_body(code="database_unavailable", detail=DATABASE_UNAVAILABLE)


def _body_for(exc: Exception, status: int) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return _validation_body(exc.detail)
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        return error_body(code=code if isinstance(code, str) else exc.default_code, detail=str(exc.detail))
    # Django's Http404 and PermissionDenied, which DRF's handler answers as its own.
    if status == 404:
        return error_body(code=exceptions.NotFound.default_code, detail=NOT_FOUND_MESSAGE)
    return error_body(code=exceptions.PermissionDenied.default_code, detail=FORBIDDEN_MESSAGE)


def _validation_body(detail: Any) -> dict[str, Any]:
    errors = _field_messages(detail if isinstance(detail, dict) else {NON_FIELD: detail})
    only_general = list(errors) == [NON_FIELD]
    message = errors[NON_FIELD][0] if only_general else INVALID_INPUT_MESSAGE
    return error_body(code=exceptions.ValidationError.default_code, detail=message, errors=errors)


def _field_messages(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"a": {"b": ["m"]}, "c": ["n"]} -> {"a.b": ["m"], "c": ["n"]}; list items by index."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(item, (dict, list)) for item in detail):
        items = ((str(index), item) for index, item in enumerate(detail))
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix or NON_FIELD: [str(message) for message in messages]}
    flat: dict[str, list[str]] = {}
    for key, value in items:
        if value:  # a many=True serializer reports {} for each valid item
            flat.update(_field_messages(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def error_example(name: str, status: int, code: str, detail: str, **extra: Any) -> OpenApiExample:
    """An example error answer for the schema, shown under one status."""
    return OpenApiExample(
        name, value={**error_body(code=code, detail=detail), **extra}, response_only=True, status_codes=[str(status)],
    )
