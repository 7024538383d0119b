"""Site-wide views that belong to no app."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponsePermanentRedirect, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.views import defaults

from soundscapify.api_errors import (
    API_PREFIX,
    BAD_REQUEST_MESSAGE,
    FORBIDDEN_MESSAGE,
    NOT_FOUND_MESSAGE,
    error_body,
)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's).

    The static URL is looked up per request, not when the URLconf loads: in production it
    comes from collectstatic's manifest, which `check --deploy` and migrations run without.
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# Django's error views (handler500: soundscapify.api_errors), with the API's error shape on paths under /api/: a URL that resolves
# to nothing (an unknown path, an id that does not fit the pattern) never reaches DRF.
def _api_error(request: HttpRequest, status: int, code: str, detail: str) -> JsonResponse | None:
    if not request.path.startswith(API_PREFIX):
        return None
    return JsonResponse(error_body(code=code, detail=detail), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    api = _api_error(request, 400, "bad_request", BAD_REQUEST_MESSAGE)
    return api or defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    api = _api_error(request, 403, "permission_denied", FORBIDDEN_MESSAGE)
    return api or defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    api = _api_error(request, 404, "not_found", NOT_FOUND_MESSAGE)
    return api or defaults.page_not_found(request, exception)


CSRF_FAILED_MESSAGE = "This form had expired. Please try again."


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from a page open too long, or after signing in or out
    elsewhere. Django's own page (with DEBUG, its technical detail) means nothing to people."""
    api = _api_error(request, 403, "csrf_failed", CSRF_FAILED_MESSAGE)
    if api:
        return api
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", request=request))
