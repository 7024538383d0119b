"""Spotify misbehaving: 5xx storms, slow answers past the timeout, for playlist tasks and pages.

Playlist tasks back off on 5xx and timeouts, then succeed with every track added once or
fail with a message the user can read; pages never wait on Spotify past the timeout. (429
with Retry-After, and the one that never ends: tests/recommendations/test_playlists.py;
slow profile calls and sign-in: tests/accounts/test_spotify_timeouts.py.)

Tasks run eagerly with `apply()`: a retry runs at once in-process, so its countdown is
asserted from the task_retry signal, never slept through.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from celery.exceptions import Retry
from celery.signals import task_retry
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path, reverse

from accounts import constants
from accounts.spotify import SpotifyClient
from recommendations.models import PlaylistExport, Recommendation
from recommendations.services import playlists
from recommendations.services.playlists import playlist_export_request
from recommendations.tasks import PLAYLIST_MAX_RETRIES, save_playlist
from soundscapify.celery import app as celery_app
from soundscapify.urls import urlpatterns as project_urlpatterns
from tests.fakes.spotify import FakeSpotify
from tests.recommendations.factories import RecommendationFactory, RecommendationItemFactory, TrackFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
BACKOFF_S = 0.5  # PLAYLIST_RETRY_BACKOFF_S in these tests: the first wait
TIMEOUT = 0.3  # SPOTIFY_REQUEST_TIMEOUT in these tests
SLOW = 3.0  # how long a slow Spotify takes: well past the timeout
PROMPT = 2.0  # an answer within this shows the timeout applied (SLOW would be a hang)
CREATE, ADD = "/v1/me/playlists", "/v1/playlists/"


def top_tracks_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # requested signed in
    return JsonResponse({"tracks": [t.name for t in SpotifyClient.for_user(user).top_tracks("short_term")]})


urlpatterns = [path("probe/spotify-top-tracks/", top_tracks_page), *project_urlpatterns]


@pytest.fixture(autouse=True)
def _small_waits(settings: Any) -> None:
    settings.PLAYLIST_RETRY_BACKOFF_S = BACKOFF_S
    settings.SPOTIFY_REQUEST_TIMEOUT = TIMEOUT


@pytest.fixture
def retries() -> Iterator[list[float]]:
    """The countdown of every retry the playlist task asks for, in order."""
    seen: list[float] = []

    def record(reason: Retry, **kwargs: Any) -> None:
        seen.append(float(reason.when))

    task_retry.connect(record, weak=False, dispatch_uid="test-spotify-faults")
    yield seen
    task_retry.disconnect(dispatch_uid="test-spotify-faults")


@pytest.fixture
def eager() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def recommendation_with(user: Any, fake: FakeSpotify, count: int) -> tuple[Recommendation, list[str]]:
    recommendation = RecommendationFactory.create(user=user, top_scene="park", scene_probabilities={"park": 1.0})
    ids = list(fake.tracks)[:count]
    for rank, spotify_id in enumerate(ids, start=1):
        RecommendationItemFactory.create(recommendation=recommendation, rank=rank, track=TrackFactory.create(spotify_id=spotify_id))
    return recommendation, [f"spotify:track:{i}" for i in ids]


def export_for(user: Any, fake: FakeSpotify, count: int) -> tuple[PlaylistExport, list[str]]:
    recommendation, uris = recommendation_with(user, fake, count)
    export, _ = playlist_export_request(user=user, recommendation=recommendation)
    return export, uris


def storm(fake: FakeSpotify, path_prefix: str, statuses: list[int]) -> None:
    for status in statuses:  # one after the other: the first listed answers first
        fake.fail_next(path_prefix, status, method="POST")


def assert_backoff_grows(countdowns: list[float], count: int) -> None:
    """Each wait doubles the one before, with up to a quarter more at random (jitter)."""
    assert len(countdowns) == count
    for attempt, countdown in enumerate(countdowns):
        assert BACKOFF_S * 2**attempt <= countdown <= BACKOFF_S * 2**attempt * 1.25


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def added(fake: FakeSpotify, playlist_id: str) -> list[str]:
    return list(fake.playlists[playlist_id]["items"])


# --- 5xx storms ----------------------------------------------------------------------------


@pytest.mark.parametrize("path_prefix", [CREATE, ADD], ids=["create", "add-items"])
def test_a_5xx_storm_that_ends_is_ridden_out_with_growing_waits(
    spotify_user: Any, fake_spotify: FakeSpotify, retries: list[float], path_prefix: str
) -> None:
    export, uris = export_for(spotify_user, fake_spotify, 150)
    storm(fake_spotify, path_prefix, [500, 502, 503])

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    assert_backoff_grows(retries, 3)
    export.refresh_from_db()
    assert len(fake_spotify.playlists) == 1
    assert added(fake_spotify, export.spotify_playlist_id) == uris  # every track, once
    assert len(fake_spotify.requests_to(CREATE, "POST")) == (4 if path_prefix == CREATE else 1)


def test_a_5xx_storm_that_never_ends_fails_the_export_and_keeps_what_is_stored(
    spotify_user: Any, fake_spotify: FakeSpotify, retries: list[float]
) -> None:
    export, _ = export_for(spotify_user, fake_spotify, 150)
    items_before = list(export.recommendation.items.values_list("rank", "track__spotify_id"))
    fake_spotify.fail_next(ADD, 503, method="POST", times=100)

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.FAILED

    assert_backoff_grows(retries, PLAYLIST_MAX_RETRIES)
    export.refresh_from_db()
    assert export.message == playlists.MESSAGE_UNAVAILABLE
    assert len(fake_spotify.requests_to(f"{ADD}{export.spotify_playlist_id}/items", "POST")) == PLAYLIST_MAX_RETRIES + 1
    recommendation = Recommendation.objects.get(pk=export.recommendation_id)
    assert list(recommendation.items.values_list("rank", "track__spotify_id")) == items_before
    assert export.spotify_playlist_id in fake_spotify.playlists and export.items_added == 0


def test_after_a_failed_storm_asking_again_fills_the_same_playlist(
    spotify_user: Any, fake_spotify: FakeSpotify, eager: None, django_capture_on_commit_callbacks: Any
) -> None:
    export, uris = export_for(spotify_user, fake_spotify, 150)
    fake_spotify.fail_next(ADD, 502, method="POST", times=PLAYLIST_MAX_RETRIES + 1)
    save_playlist.apply(args=[export.pk])

    with django_capture_on_commit_callbacks(execute=True):
        _, queued = playlist_export_request(user=spotify_user, recommendation=export.recommendation)

    export.refresh_from_db()
    assert queued and export.status == PlaylistExport.Status.DONE and export.message == ""
    assert len(fake_spotify.playlists) == 1 and len(fake_spotify.requests_to(CREATE, "POST")) == 1
    assert added(fake_spotify, export.spotify_playlist_id) == uris


# --- slow answers past SPOTIFY_REQUEST_TIMEOUT ------------------------------------------------


@pytest.mark.parametrize("path_prefix", [CREATE, ADD], ids=["create", "add-items"])
def test_an_answer_slower_than_the_timeout_is_retried_without_doing_the_work_twice(
    spotify_user: Any, fake_spotify: FakeSpotify, retries: list[float], path_prefix: str
) -> None:
    export, uris = export_for(spotify_user, fake_spotify, 150)
    # Spotify does the work; only its answer comes too late for us.
    fake_spotify.delay_next(path_prefix, SLOW, method="POST", after_work=True)

    status, elapsed = timed(lambda: save_playlist.apply(args=[export.pk]).get())

    assert status == PlaylistExport.Status.DONE
    assert elapsed < SLOW  # the task gave up on the slow answer; it did not wait for it
    assert_backoff_grows(retries, 1)
    export.refresh_from_db()
    assert len(fake_spotify.playlists) == 1 and len(fake_spotify.requests_to(CREATE, "POST")) == 1
    assert added(fake_spotify, export.spotify_playlist_id) == uris


def test_a_spotify_that_stays_slow_fails_the_export_promptly(
    spotify_user: Any, fake_spotify: FakeSpotify, retries: list[float]
) -> None:
    export, _ = export_for(spotify_user, fake_spotify, 3)
    fake_spotify.delay_next("/v1/", SLOW, times=100, after_work=True)

    status, elapsed = timed(lambda: save_playlist.apply(args=[export.pk]).get())

    assert status == PlaylistExport.Status.FAILED
    assert elapsed < (PLAYLIST_MAX_RETRIES + 1) * TIMEOUT + PROMPT  # each attempt gave up at the timeout
    assert_backoff_grows(retries, PLAYLIST_MAX_RETRIES)
    export.refresh_from_db()
    assert export.message == playlists.MESSAGE_UNAVAILABLE
    assert export.recommendation.items.count() == 3


# --- web requests never wait on Spotify ---------------------------------------------------------


def test_the_save_button_answers_at_once_while_spotify_is_slow(
    client: Client, spotify_user: Any, fake_spotify: FakeSpotify, django_capture_on_commit_callbacks: Any
) -> None:
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    fake_spotify.delay_next("/", SLOW, times=100)
    client.force_login(spotify_user)

    with django_capture_on_commit_callbacks() as queued:
        response, elapsed = timed(lambda: client.post(reverse("recommendations:playlist", args=[recommendation.pk])))

    assert elapsed < PROMPT
    assert response.status_code == 302
    assert len(queued) == 1  # the task is queued; a worker talks to Spotify
    assert fake_spotify.requests == []
    assert PlaylistExport.objects.get().status == PlaylistExport.Status.PENDING


def test_a_page_reading_top_tracks_answers_502_at_once_in_a_5xx_storm(
    client: Client, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    fake_spotify.fail_next("/v1/me/top/tracks", 503, times=100)
    client.force_login(spotify_user)

    response, elapsed = timed(lambda: client.get("/probe/spotify-top-tracks/"))

    assert elapsed < PROMPT
    assert response.status_code == 502
    assert constants.SPOTIFY_UNAVAILABLE in response.content.decode()
    assert len(fake_spotify.requests_to("/v1/me/top/tracks")) == 1  # no retries inside a web request


def test_a_page_reading_top_tracks_answers_502_promptly_when_spotify_is_slow(
    client: Client, spotify_user: Any, fake_spotify: FakeSpotify
) -> None:
    fake_spotify.delay_next("/v1/me/top/tracks", SLOW)
    client.force_login(spotify_user)

    response, elapsed = timed(lambda: client.get("/probe/spotify-top-tracks/"))

    assert elapsed < PROMPT
    assert response.status_code == 502
    assert constants.SPOTIFY_UNAVAILABLE in response.content.decode()
