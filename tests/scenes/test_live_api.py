"""Live mode through the API: start, snippets, pause/stop, the user's own sessions only."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scenes.models import ListeningSession, LiveSnippet
from tests.scenes.helpers import ambience, encode, upload_file

pytestmark = pytest.mark.django_db
SESSIONS = "/api/v1/listening-sessions/"


def snippet() -> Any:
    return upload_file(encode(ambience(3.0), fmt="wav"), name="snippet.wav")


def start(api_client: APIClient, **body: Any) -> Any:
    return api_client.post(SESSIONS, {"consent": True, "interval_s": 30, **body}, format="json")


def test_starting_a_session_answers_it_with_its_limits(api_client: APIClient, user: Any) -> None:
    response = start(api_client, time_zone="Europe/Paris")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["interval_s"], body["time_zone"], body["scene"]) == ("active", 30, "Europe/Paris", "")
    assert body["snippets"] == [] and body["ends_at"]
    assert ListeningSession.objects.get().user == user


def test_starting_without_consent_is_refused_with_its_message(api_client: APIClient) -> None:
    response = start(api_client, consent=False)
    assert response.status_code == 400
    assert response.json()["code"] == "consent_required"
    assert "confirm that you agree" in response.json()["detail"]


def test_a_second_open_session_is_refused(api_client: APIClient) -> None:
    start(api_client)
    response = start(api_client)
    assert (response.status_code, response.json()["code"]) == (409, "session_open")


def test_a_snippet_is_queued_then_the_session_refuses_one_too_soon(api_client: APIClient) -> None:
    session_id = start(api_client).json()["id"]
    first = api_client.post(f"{SESSIONS}{session_id}/snippets/", {"file": snippet()}, format="multipart")
    assert first.status_code == 202, first.json()
    assert first.json()["status"] == "queued"
    second = api_client.post(f"{SESSIONS}{session_id}/snippets/", {"file": snippet()}, format="multipart")
    assert (second.status_code, second.json()["code"]) == (429, "too_soon")
    assert int(second["Retry-After"]) >= 1


def test_pause_resume_and_stop_move_the_session(api_client: APIClient) -> None:
    session_id = start(api_client).json()["id"]
    assert api_client.post(f"{SESSIONS}{session_id}/pause/").json()["status"] == "paused"
    refused = api_client.post(f"{SESSIONS}{session_id}/snippets/", {"file": snippet()}, format="multipart")
    assert (refused.status_code, refused.json()["code"]) == (409, "session_paused")
    assert api_client.post(f"{SESSIONS}{session_id}/resume/").json()["status"] == "active"
    stopped = api_client.post(f"{SESSIONS}{session_id}/stop/").json()
    assert stopped["status"] == "stopped" and stopped["ended_at"]


def test_the_session_shows_its_timeline_of_results(api_client: APIClient, user: Any) -> None:
    session = ListeningSession.objects.create(user=user, interval_s=30, consented_at=timezone.now(), scene="rain")
    for minutes, scene in ((2, "street"), (1, "rain")):
        row = LiveSnippet.objects.create(
            session=session, duration_s=5, status="done", top_scene=scene, confidence=0.8,
            scene_probabilities={scene: 0.8}, held_scene=scene,
        )
        LiveSnippet.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    body = api_client.get(f"{SESSIONS}{session.id}/").json()
    assert [s["top_scene"] for s in body["snippets"]] == ["street", "rain"]
    assert body["scene"] == "rain"
    listed = api_client.get(SESSIONS).json()
    assert [(s["id"], s["snippet_count"]) for s in listed["results"]] == [(str(session.id), 2)]


def test_nobody_sees_or_feeds_another_users_session(api_client: APIClient, other_user: Any) -> None:
    theirs = ListeningSession.objects.create(user=other_user, interval_s=30, consented_at=timezone.now())
    assert api_client.get(f"{SESSIONS}{theirs.id}/").status_code == 404
    assert api_client.post(f"{SESSIONS}{theirs.id}/stop/").status_code == 404
    sent = api_client.post(f"{SESSIONS}{theirs.id}/snippets/", {"file": snippet()}, format="multipart")
    assert sent.status_code == 404
    assert api_client.get(SESSIONS).json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.status == "active" and not LiveSnippet.objects.exists()


def test_the_schema_lists_the_live_mode_endpoints(client: Any) -> None:
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/listening-sessions/", "/api/v1/listening-sessions/{session_id}/snippets/",
                 "/api/v1/listening-sessions/{session_id}/stop/"):
        assert path in schema
