"""The product's own error pages with DEBUG on as well (scripts/start.sh runs that way).

With DEBUG on, Django answers an unknown URL, a view's Http404, a bad request and an
uncaught exception with its technical pages (settings, code, the URL list): a person
trying the product should meet our 404 and 500 pages instead. The traceback still goes
to the log. With DEBUG off, Django calls our handlers itself (soundscapify.urls).
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from django.utils.log import log_response

from soundscapify.api_errors import server_error
from soundscapify.views import bad_request, page_not_found


class ProductErrorPagesMiddleware:
    """Placed inside the middleware that adds headers (CSP, frame options), so that our
    pages get them, and outside those whose own process_exception answers first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A URL that resolves to nothing fails before any view or process_exception runs.
        if settings.DEBUG and response.status_code == 404 and not _resolves(request):
            return page_not_found(request, Resolver404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation, MultiPartParserError)):
            return bad_request(request, exception)
        if isinstance(exception, PermissionDenied):  # Django calls handler403 itself
            return None
        return _server_error(request, exception)


def _resolves(request: HttpRequest) -> bool:
    try:
        resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return True


def _server_error(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler500's answer, logged with its traceback as Django would log it."""
    signals.got_request_exception.send(sender=None, request=request)
    response = server_error(request)
    log_response(
        "%s: %s", "Internal Server Error", request.path, response=response, request=request, exception=exception
    )
    return response
