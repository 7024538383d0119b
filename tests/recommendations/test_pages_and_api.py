"""History, detail, feedback, scene corrections and playlists: the pages and the API."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from recommendations.models import Feedback, PlaylistExport, Recommendation, SceneCorrection
from recommendations.services.feedback import ERROR_NOT_RECOMMENDED, ERROR_UNKNOWN_SCENE
from recommendations.services.playlists import MESSAGE_NOT_CONNECTED, MESSAGE_UNAVAILABLE_HERE
from recommendations.services.recommendations import ERROR_EMPTY_CATALOG
from recommendations.tasks import recommend_for_recording
from scenes.models import Recording
from soundscapify.api_fields import UNKNOWN_TIME_ZONE
from tests.factories import UserFactory, connect_spotify
from tests.recommendations.factories import RecordingFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    return [TrackFactory.create(valence=v / 20, energy=e / 20) for v in range(1, 20) for e in range(1, 20)]


@pytest.fixture
def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def recommendation(user, catalog) -> Recommendation:
    recording = RecordingFactory.create(user=user)
    return Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))


def test_the_task_makes_one_recommendation_per_recording(user, catalog):
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.6, "home": 0.4})

    first = recommend_for_recording(str(recording.pk))
    second = recommend_for_recording(str(recording.pk))

    assert first == second
    made = Recommendation.objects.get()
    assert (made.recording, made.user, made.model_version, made.top_scene) == (recording, user, "esc50-test-v1", "rain")
    assert made.scene_probabilities == {"rain": 0.6, "home": 0.4} and made.items.count() == 20


def test_the_task_with_an_empty_catalog_makes_nothing_and_does_not_fail(user):
    assert recommend_for_recording(str(RecordingFactory.create(user=user).pk)) is None
    assert recommend_for_recording("00000000-0000-0000-0000-000000000000") is None


def test_history_and_detail_pages_show_only_the_users_own(client, user, recommendation):
    client.force_login(user)

    history = client.get(reverse("recommendations:list")).content.decode()
    detail = client.get(reverse("recommendations:detail", args=[recommendation.pk])).content.decode()

    assert reverse("recommendations:detail", args=[recommendation.pk]) in history
    first = recommendation.items.order_by("rank").first()
    assert first.track.name in detail and first.reason in detail
    assert "Wrong scene? Pick the right one" in detail
    assert "Connect Spotify" in detail and "Save to Spotify" not in detail  # not connected yet
    assert "<script>" not in detail and "js/time-zone.js" in detail
    client.force_login(UserFactory.create())
    assert client.get(reverse("recommendations:detail", args=[recommendation.pk])).status_code == 404


def test_a_thumbs_up_from_the_page_is_stored_and_shown(client, user, recommendation):
    client.force_login(user)
    item = recommendation.items.first()

    response = client.post(reverse("recommendations:feedback", args=[recommendation.pk]), {"track": item.track_id, "value": "up"})

    assert response.status_code == 302
    assert Feedback.objects.get(user=user, track=item.track).value == 1
    page = client.get(reverse("recommendations:detail", args=[recommendation.pk])).content.decode()
    assert 'aria-pressed="true" aria-label="Thumbs up"' in page
    assert 'aria-pressed="false" aria-label="Thumbs down"' in page


def test_a_scene_correction_from_the_page_is_kept(client, user, recommendation):
    client.force_login(user)

    client.post(reverse("recommendations:correct_scene", args=[recommendation.pk]), {"scene": "seaside"})

    correction = SceneCorrection.objects.get()
    assert (correction.predicted_scene, correction.corrected_scene, correction.model_version) == ("rain", "seaside", "esc50-test-v1")


def test_the_recording_entry_page_makes_a_recommendation_on_post(client, user, catalog):
    recording = RecordingFactory.create(user=user)
    client.force_login(user)
    url = reverse("recommendations:for_recording", args=[recording.pk])

    assert b"Pick songs that fit" in client.get(url).content
    response = client.post(url, {"tz": "Asia/Tokyo"})

    made = Recommendation.objects.get()
    assert response.url == reverse("recommendations:detail", args=[made.pk])
    assert made.time_zone == "Asia/Tokyo"
    assert client.get(url).url == response.url


def test_the_recording_entry_page_explains_an_empty_catalog(client, user):
    recording = RecordingFactory.create(user=user)
    client.force_login(user)

    response = client.post(reverse("recommendations:for_recording", args=[recording.pk]), {"tz": ""}, follow=True)

    assert ERROR_EMPTY_CATALOG in response.content.decode()


def test_the_api_creates_lists_and_details(api, user, catalog):
    recording = RecordingFactory.create(user=user)

    created = api.post("/api/v1/recommendations/", {"recording": str(recording.pk), "timezone": "Europe/Paris"}, format="json")
    again = api.post("/api/v1/recommendations/", {"recording": str(recording.pk)}, format="json")
    fresh = api.post("/api/v1/recommendations/", {"recording": str(recording.pk), "again": True}, format="json")

    assert (created.status_code, again.status_code, fresh.status_code) == (201, 200, 201)
    assert again.json()["id"] == created.json()["id"] != fresh.json()["id"]
    body = created.json()
    assert len(body["items"]) == 20 and body["items"][0]["rank"] == 1 and body["items"][0]["reason"]
    assert body["recording"] == str(recording.pk) and body["criteria"]["scenes"]["rain"]["valence_max"] == 0.45
    listing = api.get("/api/v1/recommendations/").json()
    assert [r["id"] for r in listing["results"]] == [fresh.json()["id"], created.json()["id"]]
    assert listing["results"][0]["item_count"] == 20
    assert api.get(f"/api/v1/recommendations/{created.json()['id']}/").json()["id"] == created.json()["id"]


@pytest.mark.parametrize("name", ["time_zone", "timezone"], ids=["its-name", "its-former-name"])
def test_the_api_reads_the_time_zone_by_its_one_name_and_its_former_one(api, user, catalog, name):
    recording = RecordingFactory.create(user=user, time_zone="Asia/Tokyo")

    created = api.post("/api/v1/recommendations/", {"recording": str(recording.pk), name: "America/Lima"}, format="json")

    assert created.status_code == 201
    assert created.json()["time_zone"] == "America/Lima"


def test_the_api_refuses_an_unknown_time_zone_as_the_upload_does(api, user, catalog):
    recording = RecordingFactory.create(user=user)

    refused = api.post("/api/v1/recommendations/", {"recording": str(recording.pk), "time_zone": "Mars/Olympus"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"] == {"time_zone": [UNKNOWN_TIME_ZONE.format(value="Mars/Olympus")]}


def test_the_api_hides_other_users_recordings_and_recommendations(api, catalog):
    other = RecordingFactory.create()
    theirs = Recommendation.objects.get(pk=recommend_for_recording(str(other.pk)))

    assert api.post("/api/v1/recommendations/", {"recording": str(other.pk)}, format="json").status_code == 404
    assert api.get(f"/api/v1/recommendations/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/v1/recommendations/{theirs.pk}/feedback/", {"track": "x", "value": "up"}).status_code == 404


def test_the_api_explains_an_empty_catalog(api, user):
    response = api.post("/api/v1/recommendations/", {"recording": str(RecordingFactory.create(user=user).pk)}, format="json")

    assert response.status_code == 400 and response.json() == {"code": "no_recommendation", "detail": ERROR_EMPTY_CATALOG}


def test_api_feedback_up_down_and_clear(api, user, recommendation):
    url = f"/api/v1/recommendations/{recommendation.pk}/feedback/"
    track = recommendation.items.first().track

    assert api.post(url, {"track": track.spotify_id, "value": "down"}).json()["value"] == "down"
    assert api.get(f"/api/v1/recommendations/{recommendation.pk}/").json()["items"][0]["feedback"] == "down"
    assert api.post(url, {"track": track.spotify_id, "value": "none"}).status_code == 204
    assert not Feedback.objects.exists()
    response = api.post(url, {"track": "0" * 22, "value": "up"})
    assert response.status_code == 400 and response.json() == {"code": "not_recommended", "detail": ERROR_NOT_RECOMMENDED}


def test_api_scene_correction(api, recommendation):
    url = f"/api/v1/recommendations/{recommendation.pk}/scene-correction/"

    assert api.post(url, {"scene": "mars"}).json() == {"code": "not_correctable", "detail": ERROR_UNKNOWN_SCENE}
    assert api.post(url, {"scene": "fireside"}).status_code == 201
    home = api.post(url, {"scene": "home"})
    assert home.status_code == 201
    assert SceneCorrection.objects.get().corrected_scene == "home"
    # Songs for the corrected scene, at the corrected recommendation's local time.
    made = Recommendation.objects.get(pk=home.json()["recommendation"])
    assert home.json()["scene"] == "home" and made.top_scene == "home" and made.scene_probabilities == {"home": 1.0}
    assert made.local_time == recommendation.local_time and made.recording_id == recommendation.recording_id


def test_api_playlist_request_and_status(api, user, recommendation, fake_spotify, django_capture_on_commit_callbacks):
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens("fakeuser"))
    url = f"/api/v1/recommendations/{recommendation.pk}/playlist/"
    assert api.get(url).status_code == 404

    with django_capture_on_commit_callbacks() as callbacks:
        response = api.post(url)
        api.post(url)

    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert len(callbacks) == 1  # queued once
    assert api.get(url).json()["name"] == PlaylistExport.objects.get().name


def test_api_playlist_request_without_spotify_answers_409_and_stores_nothing(api, recommendation, settings):
    url = f"/api/v1/recommendations/{recommendation.pk}/playlist/"

    not_connected = api.post(url)
    settings.SPOTIFY_ENABLED = False
    unavailable = api.post(url)

    assert not_connected.status_code == unavailable.status_code == 409
    assert not_connected.json() == {"code": "spotify_not_connected", "detail": MESSAGE_NOT_CONNECTED}
    assert unavailable.json() == {"code": "spotify_unavailable", "detail": MESSAGE_UNAVAILABLE_HERE}
    assert not PlaylistExport.objects.exists()


def test_api_scenes_are_read_only_criteria(api):
    scenes = api.get("/api/v1/scenes/").json()

    rain = next(s for s in scenes if s["name"] == "rain")
    assert rain["valence_max"] == 0.45 and "thunderstorm" in rain["labels"]
    assert api.get("/api/v1/scenes/rain/").json()["name"] == "rain"
    assert api.post("/api/v1/scenes/", {"name": "x"}).status_code == 405


def test_catalog_search_is_for_staff_only(api, user, catalog):
    TrackFactory.create(name="Moonlight Sonata")
    assert api.get("/api/v1/catalog/tracks/?q=moonlight").status_code == 403

    user.is_staff = True
    user.save()

    assert [t["name"] for t in api.get("/api/v1/catalog/tracks/?q=moonlight").json()] == ["Moonlight Sonata"]


def test_the_task_refreshes_a_stale_spotify_taste_first(spotify_user, fake_spotify, catalog):
    recording = RecordingFactory.create(user=spotify_user)

    recommend_for_recording(str(recording.pk))
    recommend_for_recording(str(RecordingFactory.create(user=spotify_user).pk))

    assert len(fake_spotify.requests_to("/v1/me/top/tracks")) == 1  # fresh for 12 hours
    assert len(fake_spotify.requests_to("/v1/me/player/recently-played")) == 1
    assert spotify_user.taste_tracks.filter(source="top").count() == 50


def test_export_my_data_holds_the_users_recommendations_and_feedback(user, recommendation):
    from accounts.export import user_export_data

    item = recommendation.items.first()
    Feedback.objects.create(user=user, track=item.track, value=1)

    data = user_export_data(user=user)["recommendations"]

    assert data["history"][0]["songs"][0]["spotify_id"] == recommendation.items.order_by("rank").first().track.spotify_id
    assert data["feedback"] == [
        {"spotify_id": item.track.spotify_id, "name": item.track.name, "value": "up", "recommendation": None,
         "at": data["feedback"][0]["at"]}
    ]
    assert user_export_data(user=UserFactory.create())["recommendations"]["history"] == []


def test_the_automatic_recommendation_uses_the_local_time_where_the_user_recorded(user, catalog):
    # 23:30 UTC is 08:30 the next morning in Tokyo: the morning band, not the evening one.
    recording = RecordingFactory.create(user=user, time_zone="Asia/Tokyo")
    Recording.objects.filter(pk=recording.pk).update(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))

    made = Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))

    local = made.local_time.astimezone(ZoneInfo(made.time_zone))
    assert made.time_zone == "Asia/Tokyo"
    assert (local.day, local.hour, local.minute) == (2, 8, 30)


def test_a_recording_without_a_zone_is_read_in_the_sites_zone(user, catalog, settings):
    settings.TIME_ZONE = "Europe/Paris"
    recording = RecordingFactory.create(user=user)
    Recording.objects.filter(pk=recording.pk).update(created_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))

    made = Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))

    assert made.time_zone == "Europe/Paris"
    assert made.local_time.astimezone(ZoneInfo("Europe/Paris")).hour == 12


def test_making_one_again_without_a_zone_uses_the_recordings_zone(api, user, catalog):
    recording = RecordingFactory.create(user=user, time_zone="Pacific/Auckland")

    response = api.post("/api/v1/recommendations/", {"recording": str(recording.pk)}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["time_zone"] == "Pacific/Auckland"
