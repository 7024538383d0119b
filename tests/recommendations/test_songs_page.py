"""The songs page: a Play button per song for Spotify's embed player (made only when pressed,
see tests/platform/test_design_in_a_browser.py), artwork where the catalog knows it, icons
drawn inline, and a policy that lets exactly Spotify's player in."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from recommendations.models import Recommendation, RecommendationItem, Track
from recommendations.services.refresh import taste_sync
from tests.recommendations.factories import RecommendationFactory, RecommendationItemFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recommendation(user) -> Recommendation:
    made = RecommendationFactory.create(user=user, criteria={"band": "low"})
    RecommendationItemFactory.create(recommendation=made, track=TrackFactory.create(spotify_id="4uLU6hMCjMI75M1A2tKUQC", name="Night Owl"))
    RecommendationItemFactory.create(
        recommendation=made, track=TrackFactory.create(image_url="https://i.scdn.co/image/ab67616d00001e02aaaa"),
    )
    RecommendationItemFactory.create(recommendation=made, track=TrackFactory.create(image_url="https://example.com/cover.jpg"))
    return made


def songs_page(client, user, recommendation: Recommendation) -> str:
    client.force_login(user)
    return client.get(reverse("recommendations:detail", args=[recommendation.pk])).content.decode()


def test_each_song_has_a_play_button_for_its_spotify_embed_and_no_player_yet(client, user, recommendation):
    page = songs_page(client, user, recommendation)

    item = RecommendationItem.objects.get(recommendation=recommendation, track__name="Night Owl")
    assert page.count('class="play-button"') == 3
    assert f'data-player="player-{item.pk}"' in page
    assert f'id="player-{item.pk}" data-embed-url="https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"' in page
    assert "<iframe" not in page  # loaded on demand, by recommendations/player.js


def test_the_policy_lets_in_frames_from_spotifys_player_only(client, user, recommendation):
    client.force_login(user)

    policy = client.get(reverse("recommendations:detail", args=[recommendation.pk]))["Content-Security-Policy"]

    directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
    assert directives["frame-src"] == ["https://open.spotify.com"]
    assert directives["img-src"] == ["'self'", "data:", "https://i.scdn.co"]
    assert directives["script-src"] == ["'self'"]


def test_artwork_shows_where_the_catalog_knows_it_and_a_drawn_note_elsewhere(client, user, recommendation):
    page = songs_page(client, user, recommendation)

    images = re.findall(r'<img src="([^"]+)"', page)
    assert images == ["https://i.scdn.co/image/ab67616d00001e02aaaa"]  # another host is never shown: the policy would block it
    assert page.count('class="icon icon-note"') == 2


def test_the_thumbs_are_drawn_inline_not_emoji(client, user, recommendation):
    page = songs_page(client, user, recommendation)

    assert "👍" not in page and "👎" not in page
    assert page.count('class="icon icon-thumb-up"') == 3 and page.count('class="icon icon-thumb-down"') == 3


def test_spotify_sync_keeps_the_album_artwork_of_a_useful_size(spotify_user, fake_spotify):
    from accounts.spotify import SpotifyClient

    taste_sync(user=spotify_user, client=SpotifyClient.for_user(spotify_user), sleep=lambda _: None)

    tracks = list(Track.objects.filter(source="spotify:user"))
    assert tracks
    # The fake lists each album at 640, 300 and 64 px, as Spotify does: 300 px is kept.
    assert all(re.fullmatch(r"https://i\.scdn\.co/image/fakealbum\d{13}300", t.image_url) for t in tracks)
    assert all(t.artwork_url == t.image_url for t in tracks)


def test_the_api_gives_each_song_its_player_and_artwork(user, recommendation):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)

    tracks = [item["track"] for item in api.get(f"/api/v1/recommendations/{recommendation.pk}/").json()["items"]]

    assert tracks[0]["embed_url"] == "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"
    assert [t["artwork_url"] for t in tracks] == ["", "https://i.scdn.co/image/ab67616d00001e02aaaa", ""]
