"""The Spotify client against the fake server: what reached Spotify, and the typed errors."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from accounts.spotify import (
    SpotifyAuthError,
    SpotifyClient,
    SpotifyNotConnected,
    SpotifyNotFound,
    SpotifyPlaylist,
    SpotifyProfile,
    SpotifyRateLimited,
    SpotifyScopeError,
    SpotifyServerError,
)
from accounts.spotify.tokens import stored_token
from tests.factories import UserFactory, connect_spotify
from tests.fakes.spotify import FakeSpotify

pytestmark = pytest.mark.django_db


@pytest.fixture
def spotify(spotify_user: Any) -> SpotifyClient:
    return SpotifyClient.for_user(spotify_user)


def _only_request(fake: FakeSpotify, path: str, method: str = "GET") -> Any:
    matching = fake.requests_to(path, method)
    assert len(matching) == 1, [(r.method, r.path) for r in fake.requests]
    return matching[0]


def test_profile_reads_me_with_the_users_bearer_token(
    spotify: SpotifyClient, fake_spotify: FakeSpotify, spotify_user: Any
) -> None:
    profile = spotify.profile()

    assert profile == SpotifyProfile(
        id="fakeuser", display_name="Fake User", image_url="https://i.scdn.co/image/fakeuser"
    )
    request = _only_request(fake_spotify, "/v1/me")
    token = stored_token(spotify_user.social_auth.get(), "access_token")
    assert request.header("Authorization") == f"Bearer {token}"


def test_recently_played_asks_for_fifty_and_returns_tracks_with_play_times(
    spotify: SpotifyClient, fake_spotify: FakeSpotify
) -> None:
    played = spotify.recently_played()

    request = _only_request(fake_spotify, "/v1/me/player/recently-played")
    assert request.param("limit") == "50"
    assert len(played) == 30
    assert played[0].track.uri.startswith("spotify:track:")
    assert played[0].track.artists and played[0].track.album
    assert played[0].played_at.endswith("Z")


def test_top_tracks_sends_time_range_and_limit(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    tracks = spotify.top_tracks(time_range="short_term", limit=25)

    request = _only_request(fake_spotify, "/v1/me/top/tracks")
    assert request.param("time_range") == "short_term"
    assert request.param("limit") == "25"
    assert len(tracks) == 25
    assert tracks[0] == spotify.track(tracks[0].id)


def test_search_asks_for_tracks_with_at_most_ten_results(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    tracks = spotify.search_tracks("rain theory")

    request = _only_request(fake_spotify, "/v1/search")
    assert (request.param("q"), request.param("type"), request.param("limit")) == ("rain theory", "track", "10")
    assert len(tracks) == 10
    assert all("Rain Theory" in t.artists for t in tracks)


def test_search_refuses_a_limit_above_ten_without_calling_spotify(
    spotify: SpotifyClient, fake_spotify: FakeSpotify
) -> None:
    with pytest.raises(ValueError):
        spotify.search_tracks("rain", limit=11)
    assert not fake_spotify.requests


def test_create_playlist_posts_to_me_playlists(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    playlist = spotify.create_playlist("Rainy street", description="Made by SoundScapify")

    request = _only_request(fake_spotify, "/v1/me/playlists", "POST")
    assert request.json == {
        "name": "Rainy street",
        "public": False,
        "collaborative": False,
        "description": "Made by SoundScapify",
    }
    assert playlist == SpotifyPlaylist(
        id=playlist.id, url=f"https://open.spotify.com/playlist/{playlist.id}", name="Rainy street"
    )
    assert fake_spotify.playlists[playlist.id]["owner"] == "fakeuser"
    assert not fake_spotify.requests_to("/v1/users/fakeuser/playlists")
    assert spotify.playlist(playlist.id) == playlist


def test_add_items_posts_uris_to_the_items_endpoint_in_batches_of_one_hundred(
    spotify: SpotifyClient, fake_spotify: FakeSpotify
) -> None:
    playlist = spotify.create_playlist("Big one")
    uris = [f"spotify:track:{track_id}" for track_id in list(fake_spotify.tracks)[:250]]

    spotify.add_items(playlist.id, uris)

    batches = fake_spotify.requests_to(f"/v1/playlists/{playlist.id}/items", "POST")
    assert [request.json for request in batches] == [
        {"uris": uris[:100]},
        {"uris": uris[100:200]},
        {"uris": uris[200:]},
    ]
    assert fake_spotify.playlists[playlist.id]["items"] == uris
    assert not fake_spotify.requests_to(f"/v1/playlists/{playlist.id}/tracks", "POST")


def test_add_items_accepts_bare_track_ids(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    playlist = spotify.create_playlist("Ids")
    track_id = next(iter(fake_spotify.tracks))

    snapshot = spotify.add_items(playlist.id, [track_id])

    assert fake_spotify.playlists[playlist.id]["items"] == [f"spotify:track:{track_id}"]
    assert snapshot


def test_a_401_refreshes_the_token_once_and_retries_once(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    fake_spotify.expire_all_tokens()

    assert spotify.profile().id == "fakeuser"

    assert [(r.method, r.path.rstrip("/")) for r in fake_spotify.requests] == [
        ("GET", "/v1/me"),
        ("POST", "/api/token"),
        ("GET", "/v1/me"),
    ]


def test_a_second_401_raises_spotify_auth_error(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    fake_spotify.fail_next("/v1/me", 401, times=2)

    with pytest.raises(SpotifyAuthError):
        spotify.profile()

    assert len(fake_spotify.requests_to("/v1/me")) == 2
    assert len(fake_spotify.requests_to("/api/token")) == 1


def test_a_403_raises_spotify_scope_error(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    fake_spotify.fail_next("/v1/me/top/tracks", 403)

    with pytest.raises(SpotifyScopeError):
        spotify.top_tracks()


def test_a_token_without_the_scope_gets_spotify_scope_error(fake_spotify: FakeSpotify) -> None:
    user = UserFactory.create()
    connect_spotify(user, "fakeuser", fake_spotify.mint_tokens("fakeuser", scopes=("user-top-read",)))

    with pytest.raises(SpotifyScopeError):
        SpotifyClient.for_user(user).recently_played()


def test_a_429_raises_rate_limited_with_its_retry_after_and_is_not_retried(
    spotify: SpotifyClient, fake_spotify: FakeSpotify
) -> None:
    fake_spotify.fail_next(
        "/v1/search",
        429,
        headers={"Retry-After": "17"},
        body={"error": {"status": 429, "message": "API rate limit exceeded", "reason": "QUOTA_EXCEEDED"}},
    )

    with pytest.raises(SpotifyRateLimited) as caught:
        spotify.search_tracks("rain")

    assert caught.value.retry_after == 17
    assert len(fake_spotify.requests_to("/v1/search")) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_raises_server_error_and_is_not_retried(
    spotify: SpotifyClient, fake_spotify: FakeSpotify, status: int
) -> None:
    fake_spotify.fail_next("/v1/me/playlists", status)

    with pytest.raises(SpotifyServerError) as caught:
        spotify.create_playlist("Never made")

    assert caught.value.status == status
    assert len(fake_spotify.requests_to("/v1/me/playlists")) == 1
    assert not fake_spotify.playlists


def test_an_unknown_playlist_raises_not_found(spotify: SpotifyClient) -> None:
    with pytest.raises(SpotifyNotFound):
        spotify.add_items("nosuchplaylist", ["spotify:track:faketrack0000000000001"])


def test_an_unreachable_spotify_raises_server_error(spotify: SpotifyClient, settings: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.SPOTIFY_API_BASE_URL = f"http://127.0.0.1:{closed_port}/v1/"

    with pytest.raises(SpotifyServerError):
        SpotifyClient(spotify._social).profile()


def test_a_user_without_spotify_gets_not_connected(db: None) -> None:
    with pytest.raises(SpotifyNotConnected):
        SpotifyClient.for_user(UserFactory.create())


def test_audio_features_are_refused_to_a_new_app(spotify: SpotifyClient) -> None:
    with pytest.raises(SpotifyScopeError):
        spotify.audio_features(["faketrack0000000000001"])


def test_audio_features_are_fetched_100_ids_at_a_time_where_the_app_has_access(
    spotify: SpotifyClient, fake_spotify: FakeSpotify
) -> None:
    fake_spotify.audio_features_access = True
    ids = list(fake_spotify.tracks)[:150]

    features = spotify.audio_features([*ids, "unknowntrack"])

    assert [f["id"] for f in features] == ids
    assert {"energy", "valence", "tempo"} <= set(features[0])
    calls = fake_spotify.requests_to("/v1/audio-features")
    assert [len((c.param("ids") or "").split(",")) for c in calls] == [100, 51]


def test_an_id_that_is_not_base62_never_reaches_spotify(spotify: SpotifyClient, fake_spotify: FakeSpotify) -> None:
    with pytest.raises(ValueError):
        spotify.add_items("../me/playlists", ["spotify:track:faketrack0000000000001"])
    assert not fake_spotify.requests
