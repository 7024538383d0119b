"""The song-dataset refresh: Spotify sources, the provider chain, the run record."""
from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from recommendations.models import CatalogRefreshRun, TasteTrack, Track
from recommendations.services.recommendations import recommendation_create
from recommendations.services.refresh import catalog_refresh_run
from recommendations.tasks import refresh_catalog
from tests.factories import UserFactory, connect_spotify
from tests.recommendations.fake_reccobeats import FakeReccoBeats, features_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reccobeats(settings):
    fake = FakeReccoBeats()
    settings.RECCOBEATS_ENABLED = True
    settings.RECCOBEATS_BASE_URL = fake.base_url
    yield fake
    fake.stop()


@pytest.fixture
def no_sleep():
    slept: list[float] = []
    return slept, slept.append


def test_the_schedule_lives_in_the_database():
    task = PeriodicTask.objects.get(task="recommendations.tasks.refresh_catalog")
    assert task.enabled and task.crontab is not None


def test_a_refresh_gathers_users_tracks_and_scores_them(spotify_user, fake_spotify, reccobeats, no_sleep):
    run = catalog_refresh_run(sleep=no_sleep[1])

    user_data = fake_spotify.users["fakeuser"]
    expected = set(user_data["top_tracks"]) | set(user_data["recently_played"])
    assert set(Track.objects.values_list("spotify_id", flat=True)) == expected
    assert (run.status, run.users_seen, run.tracks_created, run.tracks_scored, run.tracks_waiting) == ("succeeded", 1, 80, 80, 0)
    assert run.finished_at is not None and run.errors == []
    assert [len(ids) for ids in reccobeats.requests] == [40, 40]
    track = Track.objects.get(spotify_id=user_data["top_tracks"][0])
    assert track.valence == features_for(track.spotify_id)["valence"] and track.features_source == "reccobeats"
    assert track.artists and track.album and track.source == "spotify:user"
    assert TasteTrack.objects.filter(user=spotify_user, source="top").count() == 50
    assert TasteTrack.objects.filter(user=spotify_user, source="recent").count() == 30
    assert len(fake_spotify.requests_to("/v1/me/top/tracks")) == 1


def test_a_provider_failing_halfway_keeps_what_it_scored_and_says_so(spotify_user, fake_spotify, reccobeats, no_sleep):
    reccobeats.fail_from(2, status=500)

    run = catalog_refresh_run(sleep=no_sleep[1])

    assert run.status == CatalogRefreshRun.Status.PARTIAL
    assert (run.tracks_created, run.tracks_scored, run.tracks_waiting) == (80, 40, 40)
    assert run.errors == ["reccobeats: ReccoBeats answered 500"]
    unscored = set(Track.objects.filter(scored=False).values_list("pk", flat=True))
    recommendation = recommendation_create(user=UserFactory.create(), scene_probabilities={"social": 1.0}, local_time=run.started_at, size=80)
    assert not unscored & set(recommendation.items.values_list("track_id", flat=True))

    reccobeats.recover()
    again = catalog_refresh_run(sleep=no_sleep[1])

    assert (again.status, again.tracks_created, again.tracks_scored, again.tracks_waiting) == ("succeeded", 0, 40, 0)
    assert Track.objects.filter(scored=False).count() == 0


def test_unknown_tracks_wait_unscored(spotify_user, fake_spotify, reccobeats, no_sleep):
    reccobeats.unknown = set(fake_spotify.users["fakeuser"]["recently_played"][:5])

    run = catalog_refresh_run(sleep=no_sleep[1])

    assert (run.status, run.tracks_scored, run.tracks_waiting) == ("succeeded", 75, 5)
    assert set(Track.objects.filter(scored=False).values_list("spotify_id", flat=True)) == reccobeats.unknown


def test_rate_limits_are_waited_for(spotify_user, fake_spotify, reccobeats, no_sleep):
    slept, sleep = no_sleep
    fake_spotify.fail_next("/v1/me/top/tracks", 429, headers={"Retry-After": "3"})
    reccobeats.rate_limit_next(2)

    run = catalog_refresh_run(sleep=sleep)

    assert slept == [3, 2]
    assert run.status == "succeeded" and run.tracks_scored == 80
    assert len(fake_spotify.requests_to("/v1/me/top/tracks")) == 2


def test_a_rate_limit_too_long_to_wait_ends_that_source(spotify_user, fake_spotify, reccobeats, no_sleep, settings):
    settings.RECOMMENDATIONS_REFRESH_MAX_WAIT_S = 10
    fake_spotify.fail_next("/v1/me/top/tracks", 429, headers={"Retry-After": "3600"})

    run = catalog_refresh_run(sleep=no_sleep[1])

    assert no_sleep[0] == [] and run.status == "partial"
    assert run.errors == ["spotify: Spotify rate limit reached (retry after 3600 s)"]


def test_one_users_revoked_token_does_not_stop_the_others(spotify_user, fake_spotify, reccobeats, no_sleep):
    broken = UserFactory.create()
    connect_spotify(broken, "brokenuser", {"access_token": "nope", "refresh_token": "nope", "expires_in": 3600})

    run = catalog_refresh_run(sleep=no_sleep[1])

    assert run.users_seen == 2 and run.status == "partial"
    assert len(run.errors) == 1 and run.errors[0].startswith(f"user {broken.pk}:")
    assert TasteTrack.objects.filter(user=spotify_user).count() == 80


def test_searches_grow_the_catalog(spotify_user, fake_spotify, reccobeats, no_sleep, settings):
    settings.RECOMMENDATIONS_REFRESH_SEARCHES = ["Song 24"]  # Song 24 and 240-249: beyond the user's tracks

    run = catalog_refresh_run(sleep=no_sleep[1])

    searched = fake_spotify.requests_to("/v1/search")
    assert len(searched) == 1 and searched[0].param("limit") == "10"
    assert Track.objects.filter(source="spotify:search").exists() and run.tracks_created > 80
    assert run.tracks_seen == 90


def test_without_providers_new_tracks_wait(spotify_user, fake_spotify, no_sleep):
    run = catalog_refresh_run(sleep=no_sleep[1])

    assert (run.status, run.tracks_scored, run.tracks_waiting) == ("succeeded", 0, 80)


def test_the_beat_task_records_a_run(db):
    run_id = refresh_catalog.apply().get()

    run = CatalogRefreshRun.objects.get(pk=run_id)
    assert run.status == "succeeded" and run.users_seen == 0 and run.finished_at


def test_the_provider_chain_is_off_by_default_and_configurable(settings):
    from recommendations.providers import ReccoBeatsProvider, provider_chain

    assert provider_chain() == []  # Spotify's audio features are closed to new apps; ReccoBeats is opt-in
    settings.RECCOBEATS_ENABLED = True
    assert [type(p) for p in provider_chain()] == [ReccoBeatsProvider]
    settings.RECOMMENDATIONS_FEATURE_PROVIDERS = []
    assert provider_chain() == []


def test_spotify_audio_features_are_read_through_the_spotify_client():
    from accounts.spotify import SpotifyScopeError
    from recommendations.providers import ProviderError, SpotifyAudioFeaturesProvider

    class Client:  # the shape of SpotifyClient.audio_features (asked of accounts/spotify)
        def __init__(self, error=None):
            self.error = error

        def audio_features(self, ids):
            if self.error:
                raise self.error
            return [{"id": ids[0], "valence": 0.4, "energy": 0.6, "tempo": 99.0, "mode": 1, "key": 3}, None, {"id": ids[1], "valence": 7}]

    found = SpotifyAudioFeaturesProvider(spotify_client=Client()).fetch(["a" * 22, "b" * 22])

    assert found == {"a" * 22: {**dict.fromkeys(("danceability", "acousticness", "instrumentalness", "speechiness", "loudness")), "valence": 0.4, "energy": 0.6, "tempo": 99.0, "mode": 1, "key": 3}}
    with pytest.raises(ProviderError, match="Spotify audio features"):
        SpotifyAudioFeaturesProvider(spotify_client=Client(SpotifyScopeError("403"))).fetch(["a" * 22])
