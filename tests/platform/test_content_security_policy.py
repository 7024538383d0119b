"""The Content-Security-Policy every page is sent (django-csp, settings.CONTENT_SECURITY_POLICY)."""
from __future__ import annotations

import pytest
from django.test import Client

from tests.fakes.spotify import FakeSpotify

# Our own everything, except album artwork from Spotify's image host and its embed player.
EXPECTED_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data: https://i.scdn.co",
    "media-src": "'self' blob:",
    "connect-src": "'self'",
    "frame-src": "https://open.spotify.com",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self' https://accounts.spotify.com",
}


def directives(header: str) -> dict[str, str]:
    pairs = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in pairs}


@pytest.mark.django_db
def test_every_page_gets_the_strict_policy(client: Client) -> None:
    response = client.get("/")

    assert directives(response["Content-Security-Policy"]) == EXPECTED_DIRECTIVES


@pytest.mark.django_db
def test_sign_in_forms_may_go_on_to_the_spotify_accounts_host_in_use(client: Client, fake_spotify: FakeSpotify) -> None:
    host = fake_spotify.base_url.split("/")[2]

    response = client.get("/")

    assert directives(response["Content-Security-Policy"])["form-action"] == f"'self' http://{host}"

