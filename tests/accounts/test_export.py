"""Export my data: everything about the user, nothing secret, nothing of anyone else."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from accounts.export import register_export_section, unregister_export_section, user_export_data
from accounts.services import api_token_create
from accounts.spotify.tokens import stored_token
from recommendations.models import PlaylistExport, SceneCorrection
from scenes.models import PersonalExample, SceneResult, UploadRefusal
from tests.factories import UserFactory
from tests.recommendations.factories import (
    FeedbackFactory,
    RecommendationFactory,
    RecommendationItemFactory,
    RecordingFactory,
    TasteTrackFactory,
)

pytestmark = pytest.mark.django_db


def test_the_export_holds_profile_services_and_token_metadata_but_no_secrets(client: Client, spotify_user: Any) -> None:
    issued = api_token_create(user=spotify_user, name="phone")
    client.force_login(spotify_user)

    response = client.get("/account/export/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["username"] == spotify_user.username
    assert data["connected_services"] == [
        {
            "provider": "spotify",
            "uid": "fakeuser",
            "connected_at": data["connected_services"][0]["connected_at"],
            "usable": True,
        }
    ]
    assert data["api_tokens"][0]["name"] == "phone"
    body = response.content.decode()
    social = spotify_user.social_auth.get()
    for secret in (
        issued.key,
        issued.token.key_hash,
        social.extra_data["access_token"],
        social.extra_data["refresh_token"],
        stored_token(social, "access_token"),
        stored_token(social, "refresh_token"),
        spotify_user.password,
    ):
        assert secret and secret not in body


def test_the_export_contains_nothing_of_other_users(client: Client, spotify_user: Any) -> None:
    other = UserFactory.create(username="someone-else", email="else@example.com")
    api_token_create(user=other, name="other-phone")
    client.force_login(other)

    body = client.get("/account/export/").content.decode()
    api_body = client.get("/api/v1/me/export/").content.decode()

    for text in (body, api_body):
        assert "fakeuser" not in text
        assert spotify_user.username not in text
        assert "other-phone" in text


def test_apps_plug_their_own_sections_into_the_export(db: None) -> None:
    user = UserFactory.create()
    register_export_section("another_app", lambda u: [{"owner": u.username}])
    try:
        data = user_export_data(user=user)
    finally:
        unregister_export_section("another_app")

    assert data["another_app"] == [{"owner": user.username}]


def test_a_section_name_cannot_be_taken_twice() -> None:
    register_export_section("twice", lambda u: 1)
    try:
        with pytest.raises(ValueError):
            register_export_section("twice", lambda u: 2)
    finally:
        unregister_export_section("twice")


def test_the_export_holds_every_section_of_what_we_keep(client: Client, spotify_user: Any) -> None:
    user = spotify_user
    api_token_create(user=user, name="phone")
    recording = RecordingFactory.create(user=user, original_filename="balcony.webm", duration_s=7.5, time_zone="Europe/Paris")
    result = recording.result
    assert result is not None
    timeline = [{"start_s": 0.0, "end_s": 5.0, "top_scene": "rain", "scenes": {"rain": 0.7, "nature": 0.3}}]
    labels = [{"label": "rain", "probability": 0.6}]
    SceneResult.objects.filter(pk=result.pk).update(timeline=timeline, top_labels=labels, heard=[{"name": "Rain", "score": 0.5}])
    earlier = SceneResult.objects.create(
        recording=recording, job_id=uuid.uuid4(), scene_probabilities={"nature": 1.0}, top_scene="nature",
        confidence=1.0, model_version="older", processing_ms=5,
    )
    browser_take = RecordingFactory.create(user=user, original_filename="browser-recording.webm", scenes=False, status="failed")
    SceneCorrection.objects.create(user=user, recording=recording, predicted_scene="rain", corrected_scene="nature")
    recommendation = RecommendationFactory.create(user=user, recording=recording)
    item = RecommendationItemFactory.create(recommendation=recommendation)
    FeedbackFactory.create(user=user, track=item.track, recommendation=recommendation)
    PlaylistExport.objects.create(
        recommendation=recommendation, name="Rain, 1 May", status=PlaylistExport.Status.DONE,
        spotify_playlist_id="pl1", spotify_url="https://open.spotify.com/playlist/pl1", items_added=1,
    )
    TasteTrackFactory.create(user=user)
    UploadRefusal.objects.create(user=user, code="undecodable")
    PersonalExample.objects.create(
        user=user, scene="nature", embedding=bytes(2048), model_version="v1", recording=recording, source_name="balcony.webm"
    )
    client.force_login(user)

    data = json.loads(client.get("/account/export/").content)

    assert set(data) == {
        "format_version", "exported_at", "profile", "connected_services", "api_tokens", "recordings",
        "upload_refusals", "recommendations", "personal_examples", "listening_sessions",
    }
    assert data["profile"]["username"] == user.username and data["connected_services"][0]["provider"] == "spotify"
    assert [(t["name"], t["prefix"][:4]) for t in data["api_tokens"]] == [("phone", "ssk_")]
    assert set(data["api_tokens"][0]) == {"name", "prefix", "created", "last_used"}

    recordings = {r["id"]: r for r in data["recordings"]}
    assert set(recordings) == {str(recording.id), str(browser_take.id)}
    kept = recordings[str(recording.id)]
    assert (kept["file_name"], kept["duration_s"], kept["status"], kept["time_zone"]) == ("balcony.webm", 7.5, "done", "Europe/Paris")
    assert kept["created_at"] == recording.created_at.isoformat() and kept["recorded_in_browser"] is False
    assert kept["result"]["top_scene"] == "rain" and kept["result"]["scene_probabilities"] == {"rain": 0.7, "nature": 0.3}
    assert kept["result"]["labels"] == labels and kept["result"]["timeline"] == timeline
    assert kept["result"]["heard"] == [{"name": "Rain", "score": 0.5}]
    assert [r["model_version"] for r in kept["earlier_results"]] == [earlier.model_version]
    taken = recordings[str(browser_take.id)]
    assert taken["recorded_in_browser"] is True and taken["status"] == "failed" and taken["result"] is None
    assert [r["code"] for r in data["upload_refusals"]] == ["undecodable"]
    [taught] = data["personal_examples"]
    assert (taught["scene"], taught["recording"], taught["recording_name"]) == ("nature", str(recording.id), "balcony.webm")
    assert "embedding" not in taught

    mine = data["recommendations"]
    assert set(mine) == {"history", "feedback", "scene_corrections", "playlists", "listening_settings", "spotify_taste"}
    assert mine["history"][0]["recording"] == str(recording.id) and mine["history"][0]["id"] == recommendation.pk
    assert mine["history"][0]["songs"][0]["spotify_id"] == item.track.spotify_id
    assert mine["feedback"][0]["spotify_id"] == item.track.spotify_id and mine["feedback"][0]["value"] == "up"
    assert mine["feedback"][0]["recommendation"] == recommendation.pk
    correction = mine["scene_corrections"][0]
    assert (correction["recording"], correction["predicted"], correction["corrected"]) == (str(recording.id), "rain", "nature")
    playlist = mine["playlists"][0]
    assert (playlist["recommendation"], playlist["name"], playlist["status"]) == (recommendation.pk, "Rain, 1 May", "done")
    assert playlist["spotify_url"] == "https://open.spotify.com/playlist/pl1" and playlist["songs_added"] == 1
    assert mine["listening_settings"] == {"allow_explicit": True}
    assert len(mine["spotify_taste"]) == 1


def test_the_export_holds_no_one_elses_recordings(client: Client) -> None:
    RecordingFactory.create(original_filename="their-street.wav")
    me = UserFactory.create()
    client.force_login(me)

    data = json.loads(client.get("/account/export/").content)

    assert data["recordings"] == [] and data["recommendations"]["playlists"] == []
    assert "their-street.wav" not in json.dumps(data)
