"""Response headers for safety: no caching of what a signed-in user is shown.

The Content-Security-Policy is django-csp's (settings.CONTENT_SECURITY_POLICY)."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SignedInResponsesNotStoredMiddleware:
    """Whatever a signed-in user is sent holds their data (the account page, the export, the
    token list, their recordings): "Cache-Control: no-store" keeps it out of the browser's
    disk cache and any shared cache, where the next user of the machine could read it.

    After AuthenticationMiddleware; DRF passes its token-authenticated user down to the
    request. A response that chose its own Cache-Control keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
