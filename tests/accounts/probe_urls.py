"""URLconf for middleware tests: the project's URLs plus views that call Spotify (requested signed in)."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from accounts.spotify import SpotifyClient
from soundscapify.urls import urlpatterns as project_urlpatterns


def spotify_profile_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(SpotifyClient.for_user(cast(User, request.user)).profile().display_name)


def spotify_profile_api(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"name": SpotifyClient.for_user(cast(User, request.user)).profile().display_name})


urlpatterns = [
    path("probe/spotify-profile/", spotify_profile_page),
    path("api/v1/probe/spotify-profile/", spotify_profile_api),
    *project_urlpatterns,
]
