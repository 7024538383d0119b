"""Scene profiles, explicit songs and variety: what fits a scene beyond valence and energy."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from recommendations import profiles
from recommendations.criteria import Box
from recommendations.models import ListeningSettings, SceneCriteria
from recommendations.profiles import Profile, Range, blend_profiles, scene_profile
from recommendations.ranking import Song, Taste, Variety, rank
from recommendations.reasons import Setting
from recommendations.services.recommendations import recommendation_create
from tests.recommendations.factories import TrackFactory, UserFactory
from tests.recommendations.test_admin import scene_form

MORNING = datetime(2026, 5, 1, 9, 30, tzinfo=ZoneInfo("Europe/Paris"))
BOX = Box(0.2, 0.6, 0.1, 0.5)
RAIN_MORNING = Setting(scenes="Rain", time="this morning", band="low")
ACOUSTIC_SLOW = Profile(ranges={"acousticness": Range(0.5, 1.0), "tempo": Range(50, 110)}, preferred={"folk": 1.0}, avoided={"hip hop": 1.0})


def song(pk: int, **features) -> Song:
    values = {"valence": 0.4, "energy": 0.3, "acousticness": 0.5, "tempo": 100.0, "artist": f"Artist {pk}", **features}
    return Song(pk=pk, spotify_id=f"{pk:022d}", name=f"Song {pk}", **values)


def rank_songs(songs, profile=ACOUSTIC_SLOW, size=20, variety=Variety()):
    return rank(songs, box=BOX, profile=profile, taste=Taste(), setting=RAIN_MORNING, size=size, variety=variety)


def test_a_song_that_fits_the_profile_outranks_one_that_only_sits_at_the_boxs_centre():
    centre_only = song(1, valence=0.4, energy=0.3, acousticness=0.05, tempo=170.0, genres=["Hip-Hop"])
    fitting = song(2, valence=0.55, energy=0.45, acousticness=0.9, tempo=76.0, genres=["Folk"])

    picks = rank_songs([centre_only, fitting])

    assert [p.track.pk for p in picks] == [2, 1]
    assert picks[0].score - picks[1].score > 0.3


def test_without_a_profile_the_centre_decides():
    centre = song(1, valence=0.4, energy=0.3, acousticness=0.05)
    edge = song(2, valence=0.58, energy=0.48, acousticness=0.9)

    assert [p.track.pk for p in rank_songs([edge, centre], profile=Profile())] == [1, 2]


def test_the_reason_names_what_made_the_song_fit():
    picks = rank_songs([song(2, acousticness=0.9, tempo=76.0, genres=["Folk"])])

    assert picks[0].reason == "76 BPM, mostly acoustic (90%), folk; low-key energy (30%) and a wistful mood (40%) for Rain this morning"


def test_genres_match_by_whole_words_in_any_spelling():
    profile = Profile(preferred={"hip hop": 1.0, "house": 1.0, "pop": 1.0})

    assert profiles.genre_fit(profile, ["Hip-Hop"]) == 1.0
    assert profiles.genre_fit(profile, ["deep_house"]) == 1.0
    assert profiles.genre_fit(profile, ["popular"]) == 0.0
    assert profiles.genre_fit(Profile(avoided={"metal": 1.0}), ["Heavy Metal"]) == -1.0


def test_blending_weights_each_range_by_the_scenes_that_set_it():
    rain = Profile(ranges={"acousticness": Range(0.6, 1.0), "tempo": Range(50, 100)}, preferred={"folk": 1.0})
    social = Profile(ranges={"tempo": Range(100, 140)}, preferred={"pop": 1.0})

    blended = blend_profiles([(0.75, rain), (0.25, social)])

    assert blended.ranges["acousticness"] == Range(0.6, 1.0, 0.75)
    assert blended.ranges["tempo"].low == pytest.approx(62.5) and blended.ranges["tempo"].high == pytest.approx(110)
    assert blended.preferred == {"folk": 0.75, "pop": 0.25}


def test_no_genre_fills_more_than_its_share_while_others_can():
    songs = [song(g * 100 + i, genres=[genre]) for g, genre in enumerate(("pop", "jazz", "soul"), start=1) for i in range(30)]

    picks = rank_songs(songs, variety=Variety(max_genre_share=0.4))

    assert Counter(p.track.genres[0] for p in picks) == {"pop": 8, "jazz": 8, "soul": 4}


def test_a_much_better_song_keeps_its_place_whatever_its_genre():
    fitting = [song(i, acousticness=0.9, genres=["folk"]) for i in range(1, 31)]
    misfits = [song(i, acousticness=0.0, tempo=200.0, genres=["rap"]) for i in range(31, 61)]

    picks = rank_songs(fitting + misfits, variety=Variety(max_genre_share=0.4))

    assert Counter(p.track.genres[0] for p in picks) == {"folk": 20}


def test_one_genre_fills_the_list_when_the_catalog_has_nothing_else():
    picks = rank_songs([song(i, genres=["pop"]) for i in range(1, 31)], variety=Variety(max_genre_share=0.4))

    assert len(picks) == 20


def test_no_decade_fills_more_than_its_share_while_others_can():
    eighties = [song(i, acousticness=0.95, release_year=1985) for i in range(1, 31)]
    today = [song(i, acousticness=0.6, release_year=2021) for i in range(31, 61)]

    picks = rank_songs(eighties + today, variety=Variety(max_decade_share=0.5))

    assert Counter(p.track.release_year // 10 * 10 for p in picks) == {1980: 10, 2020: 10}


@pytest.mark.django_db
def test_every_scene_has_a_default_profile_that_suits_it():
    scenes = {scene.name: scene_profile(scene.profile_values) for scene in SceneCriteria.objects.all()}

    assert all(not profile.empty for profile in scenes.values())
    assert scenes["rain"].ranges["acousticness"].low >= 0.5 and scenes["rain"].ranges["tempo"].high <= 120
    assert scenes["work_study"].ranges["instrumentalness"].low >= 0.5
    assert scenes["social"].ranges["danceability"].low >= 0.5
    assert "hip hop" in scenes["rain"].avoided and "folk" in scenes["fireside"].preferred


@pytest.mark.django_db
def test_rain_picks_calm_acoustic_songs_over_loud_ones_in_the_same_box(user):
    for i in range(30):
        TrackFactory.create(valence=0.25, energy=0.15, acousticness=0.05, tempo=150.0, danceability=0.8, speechiness=0.3, genres=["Rap"])
        TrackFactory.create(valence=0.3, energy=0.2, acousticness=0.85, tempo=80.0, danceability=0.4, speechiness=0.04, genres=["Folk"])

    recommendation = recommendation_create(user=user, scene_probabilities={"rain": 1.0}, local_time=MORNING, seed=1)

    genres = Counter(item.track.genres[0] for item in recommendation.items.select_related("track"))
    assert genres == {"Folk": 20}
    assert recommendation.criteria["scenes"]["rain"]["acousticness_min"] == 0.5


@pytest.mark.django_db
def test_explicit_songs_stay_out_for_a_user_who_asked(user):
    other_user = UserFactory.create()
    for explicit in [True] * 30 + [False] * 10 + [None] * 10:
        TrackFactory.create(valence=0.3, energy=0.15, explicit=explicit)
    ListeningSettings.objects.create(user=user, allow_explicit=False)

    careful = recommendation_create(user=user, scene_probabilities={"rain": 1.0}, local_time=MORNING, seed=1)
    everyone = recommendation_create(user=other_user, scene_probabilities={"rain": 1.0}, local_time=MORNING, seed=1)

    assert [item.track.explicit for item in careful.items.select_related("track")].count(True) == 0
    assert careful.items.count() == 20
    assert [item.track.explicit for item in everyone.items.select_related("track")].count(True) > 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"acousticness_min": 0.8, "acousticness_max": 0.2}, "acousticness_max", profiles.ERROR_ORDER),
        ({"tempo_min": 10.0}, "tempo_min", profiles.ERROR_TEMPO),
        ({"tempo_max": 400.0}, "tempo_max", profiles.ERROR_TEMPO),
        ({"speechiness_max": 1.5}, "speechiness_max", profiles.ERROR_UNIT),
        ({"preferred_genres": "folk"}, "preferred_genres", profiles.ERROR_GENRE),
        ({"preferred_genres": ["Folk"], "avoided_genres": ["folk"]}, "avoided_genres", profiles.ERROR_BOTH_WAYS.format(genres="folk")),
    ],
)
def test_profile_errors_name_the_field(changes, field, message):
    assert profiles.profile_errors(changes) == {field: message}


@pytest.mark.django_db
def test_the_model_refuses_an_invalid_profile():
    rain = SceneCriteria.objects.get(name="rain")
    rain.tempo_min, rain.tempo_max = 140.0, 90.0

    with pytest.raises(ValidationError) as refused:
        rain.full_clean()

    assert refused.value.message_dict == {"tempo_max": [profiles.ERROR_ORDER]}


@pytest.mark.django_db
def test_the_admin_refuses_an_invalid_profile_and_saves_a_valid_one(admin_client):
    rain = SceneCriteria.objects.get(name="rain")
    url = reverse("admin:recommendations_scenecriteria_change", args=[rain.pk])
    genres = {"preferred_genres": '["folk"]', "avoided_genres": '["rap"]'}

    refused = admin_client.post(url, scene_form(rain, acousticness_min="0.9", acousticness_max="0.3", tempo_max="400", **genres))
    saved = admin_client.post(url, scene_form(rain, acousticness_min="0.6", tempo_max="100", **genres))

    errors = refused.context["adminform"].form.errors
    assert errors["acousticness_max"] == [profiles.ERROR_ORDER] and errors["tempo_max"] == [profiles.ERROR_TEMPO]
    assert saved.status_code == 302
    rain.refresh_from_db()
    assert (rain.acousticness_min, rain.tempo_max, rain.preferred_genres) == (0.6, 100.0, ["folk"])


@pytest.mark.django_db
def test_the_settings_page_and_api_turn_explicit_songs_off(client, user):
    client.force_login(user)
    page = reverse("recommendations:settings")

    assert re.search(r'<input type="checkbox" name="allow_explicit"[^>]* checked', client.get(page).content.decode())
    client.post(page, {})
    assert ListeningSettings.objects.get(user=user).allow_explicit is False

    api = "/api/v1/listening-settings/"
    assert client.get(api).json()["allow_explicit"] is False
    assert client.put(api, {"allow_explicit": True}, content_type="application/json").json()["allow_explicit"] is True
    exported = client.get(reverse("accounts:export")).json()
    assert exported["recommendations"]["listening_settings"] == {"allow_explicit": True}
