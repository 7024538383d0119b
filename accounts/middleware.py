"""Spotify failures in any view become a helpful page or JSON answer instead of a 500.

Also handles social-auth's own errors during sign-in/connect (what social_django's
SocialAuthExceptionMiddleware does), sending a signed-in user back to the account page.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from social_django.middleware import SocialAuthExceptionMiddleware

from soundscapify.api_errors import API_PREFIX, error_body

from . import constants
from .spotify.errors import (
    SpotifyAuthError,
    SpotifyError,
    SpotifyNotConnected,
    SpotifyRateLimited,
    SpotifyScopeError,
)


class SpotifyAuthErrorMiddleware(SocialAuthExceptionMiddleware):
    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, SpotifyError):
            return spotify_error_response(request, exception)
        return super().process_exception(request, exception)

    def get_message(self, request: HttpRequest, exception: Exception) -> str:
        return constants.SPOTIFY_SIGNIN_FAILED.format(reason=exception)

    def get_redirect_uri(self, request: HttpRequest, exception: Exception) -> str | None:
        if request.user.is_authenticated:
            return reverse("accounts:account")
        return super().get_redirect_uri(request, exception)


def spotify_error_response(request: HttpRequest, error: SpotifyError) -> HttpResponse:
    """Reconnect/connect prompts redirect to the account page; outages answer 503/502."""
    message, code, status = _describe(error)
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(error_body(code=code, detail=message), status=status)
    elif status == 409:
        messages.warning(request, message)
        return redirect("accounts:account")
    else:
        response = render(request, "accounts/spotify_unavailable.html", {"message": message}, status=status)
    if isinstance(error, SpotifyRateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def _describe(error: SpotifyError) -> tuple[str, str, int]:
    if isinstance(error, SpotifyAuthError):
        return constants.RECONNECT_SPOTIFY, "spotify_reconnect_required", 409
    if isinstance(error, SpotifyScopeError):
        return constants.SPOTIFY_SCOPE_MISSING, "spotify_reconnect_required", 409
    if isinstance(error, SpotifyNotConnected):
        return constants.CONNECT_SPOTIFY_FIRST, "spotify_not_connected", 409
    if isinstance(error, SpotifyRateLimited):
        return constants.SPOTIFY_RATE_LIMITED, "spotify_rate_limited", 503
    return constants.SPOTIFY_UNAVAILABLE, "spotify_unavailable", 502
