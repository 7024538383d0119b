"""Response headers for safety: a strict Content-Security-Policy (our own scripts only, never
inline ones; frames from Spotify's embed player only), and no caching of what a signed-in
user is shown."""
from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

STATIC_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # Style attributes (a bar's width) cannot run code; <style> blocks stay forbidden.
    "style-src-attr 'unsafe-inline'",
    # Album artwork comes from Spotify's image host (Track.artwork_url shows no other).
    "img-src 'self' data: https://i.scdn.co",
    # The recorder previews a clip from a blob: URL before it is uploaded.
    "media-src 'self' blob:",
    "connect-src 'self'",
    # The songs page plays a track in Spotify's embed player, loaded when asked for.
    "frame-src https://open.spotify.com",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
]


def content_security_policy() -> str:
    # A sign-in form may redirect on to Spotify's consent page, which form-action governs.
    spotify_accounts = urlsplit(settings.SPOTIFY_ACCOUNTS_BASE_URL)
    form_action = f"form-action 'self' {spotify_accounts.scheme}://{spotify_accounts.netloc}"
    return "; ".join([*STATIC_DIRECTIVES, form_action])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy())
        return response


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
