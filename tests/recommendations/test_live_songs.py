"""Songs for a live session's held scene: on the Listen page (rows of the songs page) and the API."""
from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from recommendations.models import Recommendation
from scenes.models import ListeningSession
from tests.factories import UserFactory
from tests.recommendations.factories import TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog() -> list[Any]:
    return [TrackFactory.create(valence=v / 10, energy=e / 10) for v in range(1, 10) for e in range(1, 10)]


def live_session(user: Any, scene: str = "") -> ListeningSession:
    probabilities = {scene: 0.9, "home": 0.1} if scene else {}
    return ListeningSession.objects.create(
        user=user, interval_s=30, consented_at=timezone.now(), scene=scene, scene_probabilities=probabilities
    )


def test_the_page_gets_song_rows_for_the_held_scene(client: Any, user: Any, catalog: Any) -> None:
    client.force_login(user)
    session = live_session(user, "rain")
    response = client.post(reverse("recommendations:live_songs", args=[session.id]))
    assert response.status_code == 200
    page = response.content.decode()
    recommendation = Recommendation.objects.get(user=user)
    assert recommendation.top_scene == "rain" and recommendation.recording is None
    assert page.count('class="track"') == recommendation.items.count() > 0
    assert 'data-scene="rain"' in page and "play-button" in page


def test_no_songs_before_the_first_scene(client: Any, user: Any, catalog: Any) -> None:
    client.force_login(user)
    response = client.post(reverse("recommendations:live_songs", args=[live_session(user).id]))
    assert response.status_code == 409
    assert "has not heard a scene yet" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_the_api_gives_songs_for_the_users_own_session_only(user: Any, catalog: Any) -> None:
    other_user = UserFactory.create()
    api = APIClient()
    api.force_authenticate(user)
    mine, theirs = live_session(user, "street"), live_session(other_user, "rain")
    created = api.post(f"/api/v1/listening-sessions/{mine.id}/songs/")
    assert created.status_code == 201 and created.json()["top_scene"] == "street" and created.json()["items"]
    assert api.post(f"/api/v1/listening-sessions/{theirs.id}/songs/").status_code == 404
    assert Recommendation.objects.filter(user=other_user).count() == 0
