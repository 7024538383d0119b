"""drf-spectacular: every operation declares each error status it can answer, with one body.

REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]. A view documents only its own refusals (a 409, a
413, with a description); the statuses that DRF's machinery answers for any view (input,
authentication, permissions, not found, throttling) are read from the view and added here,
all with the `Error` component (soundscapify.api_errors), so the schema cannot drift from
what the views do.
"""
from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated

from soundscapify.api_errors import ApiErrorSerializer

ERROR_DESCRIPTIONS = {
    "400": "Invalid input (code `invalid`, with `errors` per field) or a request we refuse.",
    "401": "No API token, or one that is unknown, revoked or malformed.",
    "403": "Signed in, but not allowed (staff only, or a session request without its CSRF token).",
    "404": "No such object of yours, or a page beyond the last.",
    "415": "A request body in a media type this operation does not read.",
    "429": "Too many requests; try again after Retry-After seconds.",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ERROR_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True, "description": "How to authenticate."}},
    "429": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}},
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is not None:
            self._add_error_responses(operation)
        return operation

    def _add_error_responses(self, operation: dict[str, Any]) -> None:
        responses: dict[str, Any] = operation["responses"]
        error_schema = self.resolve_serializer(ApiErrorSerializer, "response").ref
        error_body = {"application/json": {"schema": error_schema}}
        for status in self._error_statuses(operation) | {code for code in responses if code.startswith("4")}:
            response = responses.setdefault(status, {"description": ERROR_DESCRIPTIONS.get(status, "")})
            response["content"] = {**error_body, **response.get("content", {})}
        for status, headers in ERROR_HEADERS.items():
            if status in responses:
                responses[status].setdefault("headers", {}).update(headers)
        operation["responses"] = dict(sorted(responses.items()))

    def _error_statuses(self, operation: dict[str, Any]) -> set[str]:
        statuses = set()
        if "requestBody" in operation:
            statuses |= {"400", "415"}
        if self._requires_authentication():
            statuses.add("401")
        if self._can_forbid():
            statuses.add("403")
        if self._has_path_parameters(operation) or self._is_paginated(operation):
            statuses.add("404")
        if self.view.get_throttles():
            statuses.add("429")
        return statuses

    def _requires_authentication(self) -> bool:
        return any(not isinstance(permission, AllowAny) for permission in self.view.get_permissions())

    def _can_forbid(self) -> bool:
        """A permission stricter than signed in, or a session request without CSRF token."""
        stricter = any(not isinstance(p, (AllowAny, IsAuthenticated)) for p in self.view.get_permissions())
        csrf = self.method in UNSAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in self.view.get_authenticators()
        )
        return stricter or (csrf and self._requires_authentication())

    @staticmethod
    def _has_path_parameters(operation: dict[str, Any]) -> bool:
        return any(parameter["in"] == "path" for parameter in operation.get("parameters", []))

    def _is_paginated(self, operation: dict[str, Any]) -> bool:
        """DRF's page-number pagination answers 404 for a page beyond the last."""
        page = getattr(getattr(self.view, "paginator", None), "page_query_param", None)
        return any(p["in"] == "query" and p["name"] == page for p in operation.get("parameters", []))
