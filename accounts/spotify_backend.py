"""Sign in with Spotify: social-core's backend, with every URL taken from settings.

social-core's SpotifyOAuth2 reads AUTHORIZATION_URL / ACCESS_TOKEN_URL from
SOCIAL_AUTH_SPOTIFY_* settings already; this subclass adds PKCE (on top of the state
parameter), reads the profile from SPOTIFY_API_BASE_URL instead of a hard-coded host, and
sends the redirect URI registered with Spotify (SPOTIFY_REDIRECT_URI) rather than one
built from the request's host: Spotify refuses `localhost` and compares the URI exactly.
Every request it makes (token exchange, refresh, profile) waits at most
SPOTIFY_REQUEST_TIMEOUT, like the Web API client, instead of social-core's own 5 s default.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from social_core.backends.oauth import BaseOAuth2PKCE
from social_core.backends.spotify import SpotifyOAuth2 as SocialCoreSpotifyOAuth2


class SpotifyOAuth2(SocialCoreSpotifyOAuth2, BaseOAuth2PKCE):
    """Authorization-code flow with state and PKCE (S256); Basic client auth at the token endpoint."""

    def get_redirect_uri(self, state: str | None = None) -> str:
        configured: str = getattr(settings, "SPOTIFY_REDIRECT_URI", "")
        return configured or super().get_redirect_uri(state)

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        """The profile from GET {SPOTIFY_API_BASE_URL}me (id, display_name, images)."""
        base = settings.SPOTIFY_API_BASE_URL.rstrip("/")
        return self.get_json(f"{base}/me", headers={"Authorization": f"Bearer {access_token}"})

    def request(self, url: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        """social-core's request(); on timeout it raises AuthProviderError (code "timeout")."""
        if timeout is None:
            timeout = float(settings.SPOTIFY_REQUEST_TIMEOUT)
        return super().request(url, *args, timeout=timeout, **kwargs)
