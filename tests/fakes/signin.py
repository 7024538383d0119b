"""Drive the real "Sign in with Spotify" flow through the fake Spotify."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client

from .spotify import FakeSpotify

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def start_spotify_sign_in(client: Client) -> str:
    """POST the sign-in button; return the authorize URL the product redirects to."""
    response = client.post("/login/spotify/")
    assert response.status_code == 302, response
    return response["Location"]


def consent(authorize_url: str) -> str:
    """Open the authorize URL on the fake as a browser would; return where it sends us back."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def finish_spotify_sign_in(client: Client, callback_url: str) -> TestResponse:
    """GET the callback (…/complete/spotify/?code=…&state=…) with the test client."""
    parts = urlsplit(callback_url)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return client.get(parts.path, params)


def sign_in_with_spotify(client: Client, fake: FakeSpotify) -> TestResponse:
    """The whole flow; the token exchange and /me happen over real HTTP from social-core.

    Who signs in is `fake.consenting_user`. Returns the callback's response (a redirect).
    """
    assert fake.base_url  # the fake must be running
    return finish_spotify_sign_in(client, consent(start_spotify_sign_in(client)))
