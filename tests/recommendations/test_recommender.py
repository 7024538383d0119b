from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from recommendations.models import Feedback, Recommendation, SceneCriteria
from recommendations.services.recommendations import (
    ERROR_EMPTY_CATALOG,
    ERROR_NO_KNOWN_SCENE,
    ERROR_NOTHING_FITS,
    NOTE_FEW,
    NOTE_NO_TASTE,
    NOTE_WIDENED,
    RecommendationError,
    recommendation_create,
)
from tests.recommendations.factories import FeedbackFactory, TasteTrackFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
MORNING, AFTERNOON, NIGHT = (datetime(2026, 5, 1, h, 30, tzinfo=PARIS) for h in (9, 15, 23))


@pytest.fixture
def grid():
    """Tracks on a 0.05 grid over valence and energy, each by its own artist."""
    return [
        TrackFactory.create(valence=v / 20, energy=e / 20, artists=[f"Artist {v}-{e}"])
        for v in range(1, 20) for e in range(1, 20)
    ]


def recommend(user, probabilities=None, at=MORNING, **kwargs) -> Recommendation:
    return recommendation_create(user=user, scene_probabilities=probabilities or {"rain": 1.0}, local_time=at, **kwargs)


def tracks_of(recommendation: Recommendation):
    return [item.track for item in recommendation.items.select_related("track").order_by("rank")]


@pytest.mark.parametrize(("at", "low", "high"), [(MORNING, 0.05, 0.2167), (AFTERNOON, 0.3833, 0.55), (NIGHT, 0.2167, 0.3833)])
def test_the_energy_band_follows_the_users_local_time(user, grid, at, low, high):
    recommendation = recommend(user, at=at, seed=1)

    assert recommendation.criteria["band"] == {MORNING: "low", AFTERNOON: "high", NIGHT: "mid"}[at]
    for track in tracks_of(recommendation):
        assert 0.05 <= track.valence <= 0.45 and low <= track.energy <= high


def test_it_blends_the_likely_scenes_and_keeps_a_snapshot(user, grid):
    recommendation = recommend(user, {"rain": 0.5, "social": 0.5, "street": 0.02}, at=AFTERNOON, seed=1)

    # rain valence 0.05-0.45, social 0.55-1.0: the blend sits between them.
    assert recommendation.criteria["box"]["valence_min"] == pytest.approx(0.3)
    assert recommendation.criteria["box"]["valence_max"] == pytest.approx(0.725)
    assert set(recommendation.criteria["scenes"]) == {"rain", "social"}
    assert recommendation.scene_probabilities == {"rain": 0.5, "social": 0.5}
    valences = [t.valence for t in tracks_of(recommendation)]
    assert min(valences) >= 0.3 and max(valences) <= 0.725


def test_it_picks_twenty_tracks_ranked_by_closeness_to_the_centre(user, grid):
    recommendation = recommend(user, seed=3)

    items = list(recommendation.items.order_by("rank"))
    assert len(items) == 20 and [i.rank for i in items] == list(range(1, 21))
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    assert items[0].reason.endswith("for Rain this morning")
    assert recommendation.notes == [NOTE_NO_TASTE]


def test_no_artist_appears_more_than_twice(user):
    for i in range(30):
        TrackFactory.create(valence=0.25, energy=0.12 + i / 1000, artists=["Same Artist"])
    for i in range(30):
        TrackFactory.create(valence=0.24, energy=0.13 + i / 1000, artists=[f"Solo {i}"])

    counts = Counter(t.artists[0] for t in tracks_of(recommend(user, seed=1)))

    assert counts["Same Artist"] == 2 and len(counts) == 19


def test_the_artist_limit_is_configurable(user, settings):
    settings.RECOMMENDATIONS_MAX_PER_ARTIST = 1
    TrackFactory.create_batch(5, valence=0.25, energy=0.12, artists=["Same Artist"])
    TrackFactory.create_batch(5, valence=0.25, energy=0.12)

    counts = Counter(t.artists[0] for t in tracks_of(recommend(user, seed=1)))

    assert counts["Same Artist"] == 1


def test_tracks_of_the_last_five_recommendations_do_not_come_back(user):
    TrackFactory.create_batch(140, valence=0.25, energy=0.12)
    seen: list[set[int]] = []
    for _ in range(6):
        seen.append({t.pk for t in tracks_of(recommend(user, size=20))})

    assert all(not (a & b) for i, a in enumerate(seen[:5]) for b in seen[i + 1 : 5])
    assert all(not (seen[5] & earlier) for earlier in seen[:5])
    other_user = recommend(UserFactory.create(), size=20)
    assert len(tracks_of(other_user)) == 20  # another user's history does not matter


def test_a_recommendation_six_back_may_repeat(user):
    TrackFactory.create_batch(24, valence=0.25, energy=0.12)
    first = {t.pk for t in tracks_of(recommend(user, size=4))}
    for _ in range(5):
        recommend(user, size=4)

    assert {t.pk for t in tracks_of(recommend(user, size=4))} == first


def test_taste_pulls_the_ranking_towards_the_users_top_tracks(user):
    favourite = TrackFactory.create(name="Blue Song", valence=0.9, energy=0.9, acousticness=0.9, danceability=0.2)
    TasteTrackFactory.create(user=user, track=favourite)
    like_it = TrackFactory.create(valence=0.3, energy=0.15, acousticness=0.9, danceability=0.2, tempo=90.0)
    TrackFactory.create_batch(10, valence=0.25, energy=0.13, acousticness=0.0, danceability=0.9, tempo=180.0)

    items = list(recommend(user, seed=1).items.select_related("track").order_by("rank"))

    assert items[0].track == like_it
    assert items[0].reason == (
        "Sounds like Blue Song (a top track of yours); 90 BPM, mostly acoustic (90%); "
        "low-key energy (15%) and a wistful mood (30%) for Rain this morning"
    )
    assert NOTE_NO_TASTE not in items[0].recommendation.notes


def test_without_spotify_taste_comes_from_thumbs_up_and_down(user):
    liked = TrackFactory.create(name="Liked", valence=0.95, energy=0.95, acousticness=0.05, instrumentalness=0.9, tempo=60.0)
    disliked = TrackFactory.create(name="Disliked", valence=0.25, energy=0.13, acousticness=0.9, instrumentalness=0.0, tempo=170.0)
    FeedbackFactory.create(user=user, track=liked, value=Feedback.Value.UP)
    FeedbackFactory.create(user=user, track=disliked, value=Feedback.Value.DOWN)
    close_to_liked = TrackFactory.create(valence=0.25, energy=0.12, acousticness=0.05, instrumentalness=0.9, tempo=60.0)
    TrackFactory.create_batch(5, valence=0.25, energy=0.13, acousticness=0.9, instrumentalness=0.0, tempo=170.0)

    tracks = tracks_of(recommend(user, seed=1))

    assert tracks[0] == close_to_liked
    assert disliked not in tracks


def test_unscored_tracks_are_never_recommended(user):
    TrackFactory.create(valence=None, energy=None)
    scored = TrackFactory.create(valence=0.25, energy=0.12)

    assert tracks_of(recommend(user)) == [scored]


def test_an_empty_catalog_gives_a_clear_message(user):
    with pytest.raises(RecommendationError) as error:
        recommend(user)
    assert str(error.value) == ERROR_EMPTY_CATALOG


def test_unknown_scenes_give_a_clear_message(user, grid):
    with pytest.raises(RecommendationError) as error:
        recommend(user, {"mars": 1.0})
    assert str(error.value) == ERROR_NO_KNOWN_SCENE


def test_a_tiny_catalog_widens_the_box_and_says_so(user):
    TrackFactory.create(valence=0.5, energy=0.25)  # just outside rain's morning box
    TrackFactory.create(valence=0.2, energy=0.1)

    recommendation = recommend(user)

    assert len(tracks_of(recommendation)) == 2
    assert NOTE_WIDENED in recommendation.notes and NOTE_FEW.format(count=2) in recommendation.notes
    assert recommendation.criteria["searched_box"] != recommendation.criteria["box"]


def test_nothing_in_reach_gives_a_clear_message(user):
    TrackFactory.create(valence=0.95, energy=0.95)

    with pytest.raises(RecommendationError) as error:
        recommend(user)
    assert str(error.value) == ERROR_NOTHING_FITS
    assert not Recommendation.objects.exists()


def test_the_recommendation_keeps_the_criteria_as_they_were(user, grid):
    recommendation = recommend(user, model_version="esc50-v3")
    SceneCriteria.objects.filter(name="rain").update(valence_max=0.9)

    recommendation.refresh_from_db()
    assert recommendation.criteria["scenes"]["rain"]["valence_max"] == 0.45
    assert recommendation.model_version == "esc50-v3" and recommendation.top_scene == "rain"
