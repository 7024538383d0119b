"""Reasons that explain: each names what made its song fit, with numbers, and its energy word
is the one the songs page's header uses for the hour."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from recommendations.criteria import BANDS, Box
from recommendations.profiles import Profile, Range
from recommendations.ranking import Anchor, Song
from recommendations.reasons import BAND_WORDS, Setting, band_phrase, reason
from recommendations.services.recommendations import recommendation_create
from tests.recommendations.factories import TrackFactory

BOX = Box(0.2, 0.6, 0.4, 0.6)
RAIN = Setting(scenes="Rain", time="this afternoon", band="high")
PARIS = ZoneInfo("Europe/Paris")


def song(**features) -> Song:
    values = {"valence": 0.25, "energy": 0.5, "acousticness": 0.8, "tempo": 72.0, "artist": "Nils", **features}
    return Song(pk=1, spotify_id="1" * 22, name="Says", **values)


def test_a_reason_names_the_profile_features_the_song_meets_with_their_values():
    profile = Profile(ranges={"acousticness": Range(0.6, 1.0), "tempo": Range(60, 100)}, preferred={"piano": 1.0})

    text = reason(song(genres=["Piano"]), box=BOX, profile=profile, setting=RAIN)

    assert text == "72 BPM, mostly acoustic (80%), piano; lively energy (50%) and a melancholic mood (25%) for Rain this afternoon"


def test_a_reason_leaves_out_the_ranges_a_song_misses():
    profile = Profile(ranges={"acousticness": Range(0.6, 1.0), "tempo": Range(60, 100)})

    text = reason(song(acousticness=0.1, tempo=150.0), box=BOX, profile=profile, setting=RAIN)

    assert "acoustic" not in text and "BPM" not in text
    assert text == "Lively energy (50%) and a melancholic mood (25%) for Rain this afternoon"


def test_a_reason_names_the_favourite_the_song_resembles_first():
    favourite = Song(pk=2, spotify_id="2" * 22, name="Blue Song")

    text = reason(song(), box=BOX, profile=Profile(), setting=RAIN, anchor=Anchor(favourite, "a song you liked"))

    assert text.startswith("Sounds like Blue Song (a song you liked); lively energy (50%)")


def test_a_reason_names_an_artist_the_user_listens_to():
    text = reason(song(), box=BOX, profile=Profile(), setting=RAIN, by_known_artist=True)

    assert text.startswith("By Nils, an artist you listen to; ")


@pytest.mark.parametrize("band", list(BANDS))
def test_the_energy_word_of_a_reason_is_the_headers_word_for_the_band(band):
    text = reason(song(), box=BOX, profile=Profile(), setting=Setting("Rain", "tonight", band))
    header = band_phrase(band)

    assert BAND_WORDS[band] in header
    assert f"{BAND_WORDS[band]} energy" in text.lower()
    assert not [word for other, word in BAND_WORDS.items() if other != band and word in text.lower() + header]


def test_a_song_from_a_widened_search_says_it_is_just_outside_the_range():
    below = reason(song(energy=0.3), box=BOX, profile=Profile(), setting=RAIN)
    above = reason(song(energy=0.7), box=BOX, profile=Profile(), setting=RAIN)

    assert below.startswith("Energy 30%, just under the lively range and a melancholic mood (25%)")
    assert above.startswith("Energy 70%, just over the lively range")


@pytest.mark.django_db
def test_the_songs_of_one_list_each_read_differently(user):
    for v in range(1, 20):
        for e in range(1, 20):
            TrackFactory.create(valence=v / 20, energy=e / 20, acousticness=(v * e % 10) / 10, tempo=60 + v * e % 90)

    made = recommendation_create(user=user, scene_probabilities={"rain": 1.0}, local_time=datetime(2026, 5, 1, 15, tzinfo=PARIS), seed=1)

    reasons = [item.reason for item in made.items.all()]
    assert len(reasons) == 20 and len(set(reasons)) == 20
    assert all(r.endswith("for Rain this afternoon") and "lively energy" in r for r in reasons)


@pytest.mark.django_db
def test_reasons_call_scenes_by_their_display_names(user):
    for v in range(1, 10):
        TrackFactory.create_batch(4, valence=v / 10, energy=0.3)

    made = recommendation_create(user=user, scene_probabilities={"work_study": 1.0}, local_time=datetime(2026, 5, 1, 9, tzinfo=PARIS), seed=1)

    assert all("Work & study this morning" in item.reason for item in made.items.all())


@pytest.mark.django_db
def test_the_songs_page_header_uses_the_same_energy_word_as_the_reasons(client, user):
    TrackFactory.create_batch(30, valence=0.3, energy=0.5)
    made = recommendation_create(user=user, scene_probabilities={"rain": 1.0}, local_time=datetime(2026, 5, 1, 15, tzinfo=PARIS), seed=1)
    client.force_login(user)

    page = client.get(reverse("recommendations:detail", args=[made.pk])).content.decode()

    assert "so we picked from the lively end of the scene&#x27;s energy" in page
    assert "(high energy)" not in page
    assert page.count("Lively energy (") + page.count("lively energy (") == made.items.count()


def test_few_spoken_words_is_named_only_when_no_other_range_is_met():
    profile = Profile(ranges={"speechiness": Range(0.0, 0.1), "tempo": Range(60, 100)})

    assert reason(song(speechiness=0.04), box=BOX, profile=profile, setting=RAIN).startswith("72 BPM; ")
    alone = reason(song(speechiness=0.04, tempo=150.0), box=BOX, profile=profile, setting=RAIN)
    assert alone.startswith("Few spoken words (4%); ")


def test_a_feature_word_never_leans_against_the_range_the_scene_asks_for():
    calm_rhythm = Profile(ranges={"danceability": Range(0.2, 0.6)})

    assert reason(song(danceability=0.53), box=BOX, profile=calm_rhythm, setting=RAIN).startswith("Danceability 53%; ")
    assert reason(song(danceability=0.3), box=BOX, profile=calm_rhythm, setting=RAIN).startswith("Not one for dancing (30%); ")


def test_the_mood_takes_its_article():
    assert "and an upbeat mood (80%)" in reason(song(valence=0.8), box=BOX, profile=Profile(), setting=RAIN)
