"""Save to Spotify, end to end against the fake Spotify server."""
from __future__ import annotations

import uuid

import pytest
from celery.exceptions import Retry
from celery.signals import task_retry
from django.db import OperationalError

from accounts.spotify import SpotifyClient, SpotifyServerError
from accounts.spotify.tokens import clear_tokens
from recommendations.models import PlaylistExport
from recommendations.services import playlists
from recommendations.services.playlists import playlist_export_request, playlist_export_run
from recommendations.tasks import save_playlist
from soundscapify.celery import app as celery_app
from tests.factories import UserFactory, connect_spotify
from tests.recommendations.factories import RecommendationFactory, RecommendationItemFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def recommendation_with(user, fake, count: int):
    recommendation = RecommendationFactory.create(user=user, top_scene="street_traffic", scene_probabilities={"street_traffic": 0.7, "metro": 0.3})
    ids = list(fake.tracks)[:count]
    for rank, spotify_id in enumerate(ids, start=1):
        RecommendationItemFactory.create(recommendation=recommendation, rank=rank, track=TrackFactory.create(spotify_id=spotify_id))
    return recommendation, [f"spotify:track:{i}" for i in ids]


def added_batches(fake) -> list[int]:
    return [len(r.json["uris"]) for r in fake.requests if r.method == "POST" and r.path.endswith("/items")]


def lookups(fake) -> list:
    return fake.requests_to("/v1/me/playlists", "GET")


@pytest.fixture
def playlist_id_write_fails_once(monkeypatch):
    """The database goes away once, just as the new playlist's id is being stored."""
    original = PlaylistExport.save
    failed: list[str] = []  # the playlist ids whose write failed

    def save(self, *args, **kwargs):
        if "spotify_playlist_id" in (kwargs.get("update_fields") or ()) and not failed:
            failed.append(self.spotify_playlist_id)
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PlaylistExport, "save", save)
    return failed


def test_save_to_spotify_creates_one_private_playlist_with_every_track(spotify_user, fake_spotify, eager, django_capture_on_commit_callbacks):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 250)

    with django_capture_on_commit_callbacks(execute=True):
        export, queued = playlist_export_request(user=spotify_user, recommendation=recommendation)

    export.refresh_from_db()
    assert queued and export.status == PlaylistExport.Status.DONE and export.items_added == 250
    (create,) = fake_spotify.requests_to("/v1/me/playlists", "POST")
    assert create.json["name"] == "SoundScapify: Street traffic, 2026-05-01"
    assert create.json["public"] is False
    assert fake_spotify.requests_to("/v1/users/fakeuser/playlists") == []
    assert added_batches(fake_spotify) == [100, 100, 50]
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris
    assert export.spotify_url == f"https://open.spotify.com/playlist/{export.spotify_playlist_id}"


def test_pressing_save_twice_makes_one_playlist(spotify_user, fake_spotify, eager, django_capture_on_commit_callbacks):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    with django_capture_on_commit_callbacks(execute=True):
        playlist_export_request(user=spotify_user, recommendation=recommendation)
    with django_capture_on_commit_callbacks(execute=True):
        _, queued = playlist_export_request(user=spotify_user, recommendation=recommendation)

    assert not queued
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1 and len(fake_spotify.playlists) == 1


def test_an_expired_token_is_refreshed_and_the_call_retried_once(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 5)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.expire_all_tokens()
    fake_spotify.fail_next("/v1/me/playlists", 401)  # and a 401 even on a token we believe fresh

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    refreshes = [r for r in fake_spotify.requests_to("/api/token") if r.form.get("grant_type") == "refresh_token"]
    assert len(refreshes) >= 1
    assert len(fake_spotify.playlists) == 1
    assert next(iter(fake_spotify.playlists.values()))["items"] == uris


def test_a_rate_limit_waits_for_retry_after_and_adds_each_track_once(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 150)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.fail_next("/v1/playlists/", 429, headers={"Retry-After": "7"}, method="POST")

    retries: list[Retry] = []
    task_retry.connect(lambda reason, **kw: retries.append(reason), weak=False, dispatch_uid="test-retry")
    try:
        save_playlist.apply(args=[export.pk])  # eager: the retry runs at once, in-process
    finally:
        task_retry.disconnect(dispatch_uid="test-retry")

    assert [r.when for r in retries] == [7]
    export.refresh_from_db()
    assert export.status == PlaylistExport.Status.DONE
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert added_batches(fake_spotify) == [100, 100, 50]  # the refused first batch, then both
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_a_retry_after_the_playlist_exists_never_creates_a_second(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 120)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.fail_next("/v1/playlists/", 503, method="POST")

    with pytest.raises(SpotifyServerError):
        playlist_export_run(export_id=export.pk)
    export.refresh_from_db()
    assert export.spotify_playlist_id and export.items_added == 0
    playlist_export_run(export_id=export.pk)

    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_a_retry_adds_only_the_tracks_not_added_yet(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 250)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    playlist_export_run(export_id=export.pk)
    export.refresh_from_db()
    # As if the worker died after the first batch: Spotify has 100, we recorded 100.
    fake_spotify.playlists[export.spotify_playlist_id]["items"] = uris[:100]
    PlaylistExport.objects.filter(pk=export.pk).update(status=PlaylistExport.Status.PENDING, items_added=100)
    fake_spotify.clear_requests()

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    assert fake_spotify.requests_to("/v1/me/playlists", "POST") == []
    assert added_batches(fake_spotify) == [100, 50]
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_a_missing_scope_asks_the_user_to_reconnect(fake_spotify):
    user = UserFactory.create()
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens("fakeuser", scopes=("user-top-read",)))
    recommendation, _ = recommendation_with(user, fake_spotify, 3)
    export, _ = playlist_export_request(user=user, recommendation=recommendation)

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.FAILED

    export.refresh_from_db()
    assert export.message == playlists.MESSAGE_RECONNECT
    assert fake_spotify.playlists == {}


def test_a_revoked_connection_asks_the_user_to_reconnect(spotify_user, fake_spotify):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.expire_all_tokens()
    fake_spotify.revoke_refresh_tokens()

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.FAILED
    export.refresh_from_db()
    assert export.message == playlists.MESSAGE_RECONNECT


def test_a_user_without_spotify_is_asked_to_connect_and_nothing_is_stored(user, fake_spotify):
    recommendation, _ = recommendation_with(user, fake_spotify, 3)

    with pytest.raises(playlists.PlaylistRefused) as refused:
        playlist_export_request(user=user, recommendation=recommendation)

    assert (refused.value.code, refused.value.message) == ("spotify_not_connected", playlists.MESSAGE_NOT_CONNECTED)
    assert not PlaylistExport.objects.exists()  # no "Failed" row in the history


def test_a_server_without_spotify_refuses_to_save_and_stores_nothing(spotify_user, fake_spotify, settings):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    settings.SPOTIFY_ENABLED = False

    with pytest.raises(playlists.PlaylistRefused) as refused:
        playlist_export_request(user=spotify_user, recommendation=recommendation)

    assert (refused.value.code, refused.value.message) == ("spotify_unavailable", playlists.MESSAGE_UNAVAILABLE_HERE)
    assert not PlaylistExport.objects.exists() and fake_spotify.requests == []


def test_a_connection_spotify_refused_is_asked_to_reconnect_before_saving(spotify_user, fake_spotify):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    clear_tokens(spotify_user.social_auth.get(provider="spotify"))  # what a refused refresh does

    with pytest.raises(playlists.PlaylistRefused) as refused:
        playlist_export_request(user=spotify_user, recommendation=recommendation)

    assert refused.value.code == "spotify_reconnect_required" and not PlaylistExport.objects.exists()


def test_spotify_disconnected_after_the_request_fails_the_export_with_a_readable_message(spotify_user, fake_spotify):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    spotify_user.social_auth.all().delete()

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.FAILED
    export.refresh_from_db()
    assert export.message == playlists.MESSAGE_NOT_CONNECTED


def test_a_rate_limit_that_never_ends_fails_the_export_in_the_end(spotify_user, fake_spotify):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.fail_next("/v1/me/playlists", 429, headers={"Retry-After": "1"}, times=50, method="POST")

    save_playlist.apply(args=[export.pk])

    export.refresh_from_db()
    assert export.status == PlaylistExport.Status.FAILED and export.message == playlists.MESSAGE_RATE_LIMITED
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 6  # the first try and five retries


def test_a_failed_export_can_be_asked_for_again(spotify_user, fake_spotify, eager, django_capture_on_commit_callbacks):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    fake_spotify.fail_next("/v1/me/playlists", 403)
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    export.refresh_from_db()
    assert export.status == PlaylistExport.Status.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        _, queued = playlist_export_request(user=spotify_user, recommendation=recommendation)

    export.refresh_from_db()
    assert queued and export.status == PlaylistExport.Status.DONE and export.message == ""


@pytest.mark.worker
def test_save_to_spotify_through_a_real_worker(transactional_db, fake_spotify, client, tmp_path):
    import time

    from django.urls import reverse

    from tests.scenes.helpers import WorkerProcess, worker_env

    user = UserFactory.create()
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens("fakeuser"))
    recommendation, uris = recommendation_with(user, fake_spotify, 150)
    env = {"SPOTIFY_API_BASE_URL": fake_spotify.api_base_url, "SPOTIFY_ACCOUNTS_BASE_URL": fake_spotify.base_url}
    worker = WorkerProcess(worker_env(env), tmp_path / "worker.log", "default", 1).wait_ready()
    try:
        client.force_login(user)
        client.post(reverse("recommendations:playlist", args=[recommendation.pk]))
        deadline = time.monotonic() + 60
        while PlaylistExport.objects.get().status == PlaylistExport.Status.PENDING and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        worker.stop()

    export = PlaylistExport.objects.get()
    assert export.status == PlaylistExport.Status.DONE, worker.log()[-3000:]
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


# --- the window between Spotify's "created" and our write of the id -----------------------


def test_the_description_carries_the_export_marker(spotify_user, fake_spotify):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)

    playlist_export_run(export_id=export.pk)

    (create,) = fake_spotify.requests_to("/v1/me/playlists", "POST")
    assert create.json["description"] == f"Songs that fit street traffic, metro. (SoundScapify ref {export.uuid})"
    (lookup,) = lookups(fake_spotify)  # looked for an earlier playlist first
    assert lookup.param("limit") == "50" and lookup.param("offset") == "0"
    assert lookup.json is None and lookup.body == b""


def test_a_crash_before_the_id_is_stored_reuses_the_playlist_on_retry(spotify_user, fake_spotify, playlist_id_write_fails_once):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 150)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    (first_playlist,) = playlist_id_write_fails_once
    export.refresh_from_db()
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert list(fake_spotify.playlists) == [first_playlist] == [export.spotify_playlist_id]
    assert added_batches(fake_spotify) == [100, 50]
    assert fake_spotify.playlists[first_playlist]["items"] == uris
    assert len(lookups(fake_spotify)) == 2  # before the create, and on the retry


def test_a_lost_id_is_found_again_and_no_track_is_added_twice(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 120)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.fail_next("/v1/playlists/", 503, method="POST")  # stop the run after the create
    with pytest.raises(SpotifyServerError):
        playlist_export_run(export_id=export.pk)
    (created,) = fake_spotify.playlists
    # As if the write of the id had never happened.
    PlaylistExport.objects.filter(pk=export.pk).update(spotify_playlist_id="", spotify_url="")

    playlist_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.spotify_playlist_id == created
    assert export.spotify_url == f"https://open.spotify.com/playlist/{created}"
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert fake_spotify.playlists[created]["items"] == uris


def test_a_create_that_spotify_made_but_answered_502_is_not_made_again(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 5)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.fail_next("/v1/me/playlists", 502, method="POST", after_work=True)

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    export.refresh_from_db()
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert list(fake_spotify.playlists) == [export.spotify_playlist_id]
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_a_playlist_with_another_marker_is_not_reused(spotify_user, fake_spotify):
    other = fake_spotify.add_playlist(description=f"Songs that fit park. (SoundScapify ref {uuid.uuid4()})")
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)

    playlist_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1
    assert export.spotify_playlist_id != other["id"]
    assert other["items"] == [] and fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_each_recommendation_gets_its_own_playlist(spotify_user, fake_spotify):
    first, first_uris = recommendation_with(spotify_user, fake_spotify, 3)
    second = RecommendationFactory.create(user=spotify_user, top_scene="street_traffic", scene_probabilities={"street_traffic": 1.0})
    RecommendationItemFactory.create(recommendation=second, rank=1, track=TrackFactory.create(spotify_id=list(fake_spotify.tracks)[9]))

    exports = [playlist_export_request(user=spotify_user, recommendation=r)[0] for r in (first, second)]
    for export in exports:
        playlist_export_run(export_id=export.pk)

    first_id, second_id = (PlaylistExport.objects.get(pk=e.pk).spotify_playlist_id for e in exports)
    assert first_id != second_id and len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 2
    assert fake_spotify.playlists[first_id]["items"] == first_uris


def test_the_marker_is_found_in_an_escaped_description_on_a_later_page(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    mine = fake_spotify.add_playlist(description=f"Rock & roll 'n' <b>blues</b> / (SOUNDSCAPIFY REF {str(export.uuid).upper()})")
    for n in range(60):  # made later: Spotify lists them first
        fake_spotify.add_playlist(name=f"Mix {n}", description="Songs I like & more")

    playlist_export_run(export_id=export.pk)

    export.refresh_from_db()
    assert export.spotify_playlist_id == mine["id"]
    assert fake_spotify.requests_to("/v1/me/playlists", "POST") == []
    assert [r.param("offset") for r in lookups(fake_spotify)] == ["0", "50"]
    assert mine["items"] == uris


def test_the_lookup_stops_after_a_bounded_number_of_pages(spotify_user, fake_spotify):
    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    fake_spotify.add_playlist(description=f"(SoundScapify ref {export.uuid})")  # too far down to be seen
    for n in range(playlists.LOOKUP_MAX_PAGES * playlists.LOOKUP_PAGE_SIZE):
        fake_spotify.add_playlist(name=f"Mix {n}")

    playlist_export_run(export_id=export.pk)

    assert len(lookups(fake_spotify)) == playlists.LOOKUP_MAX_PAGES
    assert len(fake_spotify.requests_to("/v1/me/playlists", "POST")) == 1


def test_without_the_read_private_scope_the_export_still_saves(fake_spotify):
    user = UserFactory.create()
    scopes = ("playlist-modify-private", "playlist-modify-public")  # a connection made before we asked for more
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens("fakeuser", scopes=scopes))
    recommendation, uris = recommendation_with(user, fake_spotify, 3)
    export, _ = playlist_export_request(user=user, recommendation=recommendation)

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    export.refresh_from_db()
    assert len(lookups(fake_spotify)) == 1
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_a_batch_spotify_added_but_we_did_not_count_is_not_added_again(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 250)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    playlist_export_run(export_id=export.pk)
    export.refresh_from_db()
    # As if the worker died after Spotify added the second batch: Spotify has 200, we counted 100.
    fake_spotify.playlists[export.spotify_playlist_id]["items"] = uris[:200]
    PlaylistExport.objects.filter(pk=export.pk).update(status=PlaylistExport.Status.PENDING, items_added=100)
    fake_spotify.clear_requests()

    assert save_playlist.apply(args=[export.pk]).get() == PlaylistExport.Status.DONE

    assert added_batches(fake_spotify) == [50]
    assert fake_spotify.playlists[export.spotify_playlist_id]["items"] == uris


def test_a_playlist_the_user_edited_keeps_our_own_count(spotify_user, fake_spotify):
    recommendation, uris = recommendation_with(spotify_user, fake_spotify, 250)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)
    playlist_export_run(export_id=export.pk)
    export.refresh_from_db()
    fake_spotify.playlists[export.spotify_playlist_id]["items"] = uris[:37]  # the user removed some
    PlaylistExport.objects.filter(pk=export.pk).update(status=PlaylistExport.Status.PENDING, items_added=100)
    fake_spotify.clear_requests()

    playlist_export_run(export_id=export.pk)

    assert added_batches(fake_spotify) == [100, 50]


def test_my_playlists_pages_the_users_playlists_with_plain_descriptions(spotify_user, fake_spotify):
    for n in range(60):
        fake_spotify.add_playlist(name=f"Mix {n}", description=f"Rock & roll / mix {n}", uris=("spotify:track:faketrack0000000000001",))
    client = SpotifyClient.for_user(spotify_user)

    first = client.my_playlists()
    assert first.next_offset is not None
    second = client.my_playlists(offset=first.next_offset)

    assert (first.total, len(first.items), first.next_offset) == (60, 50, 50)
    assert (len(second.items), second.next_offset) == (10, None)
    assert first.items[0].name == "Mix 59" and first.items[0].description == "Rock & roll / mix 59"
    assert first.items[0].items_total == 1 and first.items[0].owner_id == "fakeuser"
    (request, _) = lookups(fake_spotify)
    assert request.param("limit") == "50"


def test_a_description_never_passes_spotifys_limit_and_keeps_the_marker(spotify_user, fake_spotify):
    many = {f"scene_with_a_long_name_{n}": 0.05 for n in range(20)}
    recommendation = RecommendationFactory.create(user=spotify_user, top_scene="scene_with_a_long_name_0", scene_probabilities=many)
    export, _ = playlist_export_request(user=spotify_user, recommendation=recommendation)

    description = playlists._description(recommendation, playlists.playlist_marker(export))

    assert len(description) <= playlists.DESCRIPTION_MAX
    assert description.endswith(f"(SoundScapify ref {export.uuid})")


def test_a_broker_outage_fails_the_export_with_a_message_and_asking_again_works(
    spotify_user, fake_spotify, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerOperationalError

    recommendation, _ = recommendation_with(spotify_user, fake_spotify, 3)
    original_apply_async = save_playlist.apply_async

    def broker_down(*args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(save_playlist, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        export, queued = playlist_export_request(user=spotify_user, recommendation=recommendation)

    export.refresh_from_db()
    assert queued and (export.status, export.message) == (PlaylistExport.Status.FAILED, playlists.MESSAGE_INTERRUPTED)
    assert fake_spotify.requests_to("/v1/me/playlists", "POST") == []

    monkeypatch.setattr(save_playlist, "apply_async", original_apply_async)
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            export, queued = playlist_export_request(user=spotify_user, recommendation=recommendation)
    finally:
        celery_app.conf.task_always_eager = False
    export.refresh_from_db()
    assert queued and export.status == PlaylistExport.Status.DONE and export.items_added == 3
