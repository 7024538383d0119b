"""One story from sound to songs: the songs page charts what the result page charts, a
corrected scene gets its own songs, and "Save to Spotify" is offered only where it can work."""
from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from social_django.models import UserSocialAuth

from recommendations.models import PlaylistExport, Recommendation
from recommendations.services.playlists import MESSAGE_NOT_CONNECTED
from recommendations.services.recommendations import ERROR_NOTHING_FITS, recommendation_create_for_correction
from recommendations.tasks import recommend_for_recording
from recommendations.views import MESSAGE_CORRECTION_SAVED
from tests.fakes.signin import consent, finish_spotify_sign_in
from tests.fakes.spotify import FakeSpotify
from tests.recommendations.factories import RecordingFactory, TrackFactory

pytestmark = pytest.mark.django_db
BAR = re.compile(r'<tr data-scene="(\w+)">.*?<td class="number">(\d+)%</td>', re.S)


@pytest.fixture
def catalog():
    return [TrackFactory.create(valence=v / 20, energy=e / 20) for v in range(1, 20) for e in range(1, 20)]


@pytest.fixture
def signed_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


def made_for(recording) -> Recommendation:
    return Recommendation.objects.get(pk=recommend_for_recording(str(recording.pk)))


def songs_url(recommendation: Recommendation) -> str:
    return reverse("recommendations:detail", args=[recommendation.pk])


def track_ids(recommendation: Recommendation) -> set[int]:
    return set(recommendation.items.values_list("track_id", flat=True))


def test_the_songs_page_shows_the_result_pages_probabilities(signed_in, user, catalog) -> None:
    # Rain holds most of it: the songs are picked for rain alone (weights rain 100%), yet both
    # pages show what the model heard.
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.9, "nature": 0.06, "work_study": 0.04})
    recommendation = made_for(recording)
    assert recommendation.scene_probabilities == {"rain": 1.0}

    result_page = signed_in.get(f"/scenes/{recording.pk}/").content.decode()
    songs_page = signed_in.get(songs_url(recommendation)).content.decode()

    expected = [("rain", "90"), ("nature", "6"), ("work_study", "4")]
    assert BAR.findall(result_page) == BAR.findall(songs_page) == expected
    assert "Work &amp; study" in songs_page and ">work_study<" not in songs_page


def test_the_songs_page_keeps_its_probabilities_once_the_recording_is_deleted(signed_in, user, catalog) -> None:
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.55, "nature": 0.45})
    recommendation = made_for(recording)
    recording.delete()

    songs_page = signed_in.get(songs_url(recommendation)).content.decode()

    assert BAR.findall(songs_page) == [("rain", "55"), ("nature", "45")]


def test_correcting_the_scene_picks_new_songs_for_it(signed_in, user, catalog) -> None:
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.9, "nature": 0.1})
    first = made_for(recording)

    response = signed_in.post(reverse("recommendations:correct_scene", args=[first.pk]), {"scene": "nature"})

    corrected = Recommendation.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302 and response["Location"] == songs_url(corrected)
    assert (corrected.top_scene, corrected.scene_probabilities, corrected.recording_id) == ("nature", {"nature": 1.0}, recording.pk)
    assert corrected.local_time == first.local_time  # only the scene changed
    assert corrected.criteria["detected"] == {"rain": 0.9, "nature": 0.1}
    assert corrected.items.count() == 20 and not track_ids(corrected) & track_ids(first)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [MESSAGE_CORRECTION_SAVED.format(scene="Nature")]
    page = signed_in.get(songs_url(corrected)).content.decode()
    assert re.search(r"<h1>Songs for <span[^>]*>Nature</span></h1>", page) and "You told us: Nature." in page
    assert '<option value="nature" selected>Nature</option>' in page
    # The result page's "Songs that fit" now leads to them.
    assert signed_in.get(reverse("recommendations:for_recording", args=[recording.pk]))["Location"] == songs_url(corrected)


def test_picking_other_songs_after_a_correction_keeps_the_corrected_scene(signed_in, user, catalog) -> None:
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.9, "nature": 0.1})
    first = made_for(recording)
    signed_in.post(reverse("recommendations:correct_scene", args=[first.pk]), {"scene": "seaside"})

    signed_in.post(reverse("recommendations:for_recording", args=[recording.pk]), {"tz": "", "again": "1"})

    latest = Recommendation.objects.order_by("-created_at", "-id").first()
    assert latest is not None and Recommendation.objects.count() == 3
    assert latest.top_scene == "seaside" and latest.scene_probabilities == {"seaside": 1.0}


def test_confirming_the_scene_keeps_the_songs(user, catalog) -> None:
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.95, "nature": 0.05})
    first = made_for(recording)

    again = recommendation_create_for_correction(user=user, recommendation=first, scene="rain")

    assert again == first and Recommendation.objects.count() == 1


def test_going_back_to_the_first_scene_from_an_older_page_makes_it_the_latest_again(user, catalog) -> None:
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.95, "nature": 0.05})
    first = made_for(recording)
    corrected = recommendation_create_for_correction(user=user, recommendation=first, scene="nature")

    back = recommendation_create_for_correction(user=user, recommendation=first, scene="rain")

    assert back not in (first, corrected) and back.scene_probabilities == {"rain": 1.0}
    assert made_for(recording) == back  # what the result page's "Songs that fit" leads to


def test_a_correction_no_song_fits_is_kept_and_says_why(signed_in, user) -> None:
    recording = RecordingFactory.create(user=user, scenes={"rain": 0.9, "nature": 0.1})
    # Songs for rain (calm, low valence) only: nothing fits a party.
    for index in range(25):
        TrackFactory.create(valence=0.2 + index / 200, energy=0.2, danceability=0.2, acousticness=0.9)
    first = made_for(recording)

    response = signed_in.post(reverse("recommendations:correct_scene", args=[first.pk]), {"scene": "social"}, follow=True)

    assert ERROR_NOTHING_FITS in response.content.decode()
    assert response.redirect_chain[-1][0] == songs_url(first)
    assert recording.scene_corrections.get().corrected_scene == "social"


def test_without_spotify_on_the_server_the_songs_page_offers_no_saving(signed_in, user, catalog, settings) -> None:
    settings.SPOTIFY_ENABLED = False
    recommendation = made_for(RecordingFactory.create(user=user))

    page = signed_in.get(songs_url(recommendation)).content.decode()
    response = signed_in.post(reverse("recommendations:playlist", args=[recommendation.pk]), follow=True)

    assert "Save to Spotify" not in page and "Connect Spotify" not in page and 'id="spotify-save"' not in page
    assert not PlaylistExport.objects.exists()
    assert "Saving to Spotify is not available on this server." in response.content.decode()
    assert "Failed" not in signed_in.get(reverse("recommendations:list")).content.decode()


def test_a_user_without_spotify_is_offered_to_connect_and_saving_stores_nothing(signed_in, user, catalog) -> None:
    recommendation = made_for(RecordingFactory.create(user=user))
    url = songs_url(recommendation)

    page = signed_in.get(url).content.decode()
    response = signed_in.post(reverse("recommendations:playlist", args=[recommendation.pk]))

    form = re.search(r'<form method="post" action="/login/spotify/"[^>]*id="connect-spotify">(.*?)</form>', page, re.S)
    assert form is not None and f'<input type="hidden" name="next" value="{url}">' in form.group(1)
    assert "Connect Spotify</button>" in form.group(1) and "Save to Spotify" not in page
    assert [str(m) for m in get_messages(response.wsgi_request)] == [MESSAGE_NOT_CONNECTED]
    assert not PlaylistExport.objects.exists()


def test_a_connected_user_is_offered_save_to_spotify(client, spotify_user, catalog) -> None:
    client.force_login(spotify_user)
    recommendation = made_for(RecordingFactory.create(user=spotify_user))

    page = client.get(songs_url(recommendation)).content.decode()

    assert "Save to Spotify</button>" in page and "Connect Spotify" not in page


def test_connecting_spotify_from_the_songs_page_comes_back_to_the_same_songs(
    signed_in, user, catalog, fake_spotify: FakeSpotify
) -> None:
    recommendation = made_for(RecordingFactory.create(user=user))
    url = songs_url(recommendation)

    started = signed_in.post("/login/spotify/", {"next": url})
    finished = finish_spotify_sign_in(signed_in, consent(started["Location"]))

    assert finished.status_code == 302 and finished["Location"] == url
    assert UserSocialAuth.objects.get(provider="spotify").user == user
    page = signed_in.get(url).content.decode()
    assert "Save to Spotify</button>" in page and "Connect Spotify" not in page


def test_a_connection_spotify_refused_is_offered_to_reconnect(client, spotify_user, catalog) -> None:
    from accounts.spotify.tokens import clear_tokens

    client.force_login(spotify_user)
    recommendation = made_for(RecordingFactory.create(user=spotify_user))
    clear_tokens(spotify_user.social_auth.get(provider="spotify"))

    page = client.get(songs_url(recommendation)).content.decode()

    assert "Reconnect Spotify</button>" in page and "Save to Spotify" not in page


def test_a_saved_playlist_stays_linked(client, spotify_user, catalog) -> None:
    client.force_login(spotify_user)
    recommendation = made_for(RecordingFactory.create(user=spotify_user))
    PlaylistExport.objects.create(recommendation=recommendation, name="Mine", status="done", spotify_url="https://open.spotify.com/playlist/x")

    page = client.get(songs_url(recommendation)).content.decode()

    assert "Open “Mine”" in page
