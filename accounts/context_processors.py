"""Template context: whether Spotify sign-in is offered, and the signed-in user's connection state."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .selectors import spotify_status


def spotify(request: HttpRequest) -> dict[str, Any]:
    """`spotify_enabled`; for a signed-in user also `spotify_connected` and
    `spotify_needs_reconnect` (connected, but Spotify refused its tokens)."""
    context: dict[str, Any] = {"spotify_enabled": settings.SPOTIFY_ENABLED}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        connected, usable = spotify_status(user=user)
        context["spotify_connected"] = connected
        context["spotify_needs_reconnect"] = connected and not usable
    return context
