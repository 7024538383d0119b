"""Ranking candidates: closeness to the box's centre, fit to the scene's profile, closeness
to the user's taste, variety (artists, genres, decades), and a reason per pick
(recommendations.reasons).

Pure functions on songs already loaded. Scores are computed for all candidates at once
with NumPy; reasons only for the songs picked.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommendations.criteria import Box
from recommendations.profiles import REACH, Profile, genre_fit, normal_genre
from recommendations.reasons import Setting, reason

# Features compared for taste. Valence and energy are the scene's to decide: a favourite
# from another mood still tells us the texture someone likes. Tempo is scaled by TEMPO_SCALE.
TASTE_FEATURES = ("danceability", "acousticness", "instrumentalness", "speechiness", "tempo")
TEMPO_SCALE = 250.0
TASTE_WIDTH = 0.2  # how far (in feature space) a song can be from a favourite and still count as close
CENTRE_WEIGHT, PROFILE_WEIGHT, GENRE_WEIGHT = 0.35, 0.5, 0.2
TASTE_WEIGHT, ARTIST_BONUS, DISLIKE_WEIGHT = 0.3, 0.1, 0.3
UNKNOWN_FIT = 0.5  # a song that knows none of the profile's features: neither fits nor misfits
VARIETY_MARGIN = 0.1  # a song this much better than the next keeps its place whatever its genre or decade
CLOSE_TO_ANCHOR = 0.6  # taste similarity above which the reason names the favourite (recommendations.reasons)


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 3x, for hundreds per call
class Song:
    """A catalog track as ranking sees it: what it is called and how it sounds."""

    pk: int
    spotify_id: str
    name: str
    artist: str = ""  # the main artist
    genres: Sequence[str] = ()
    release_year: int | None = None
    valence: float | None = None
    energy: float | None = None
    danceability: float | None = None
    acousticness: float | None = None
    instrumentalness: float | None = None
    speechiness: float | None = None
    tempo: float | None = None

    @property
    def main_artist(self) -> str:
        return self.artist.strip().casefold()


@dataclass(frozen=True)
class Anchor:
    """A song the user likes, and how to name it in a reason."""

    track: Song
    phrase: str  # "a top track of yours", "a song you liked"


@dataclass(frozen=True)
class Taste:
    anchors: Sequence[Anchor] = ()
    disliked: Sequence[Song] = ()
    artists: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.anchors or self.disliked or self.artists)


@dataclass(frozen=True)
class Pick:
    track: Song
    score: float
    reason: str


@dataclass(frozen=True)
class Variety:
    """How much of one list a single artist, genre or decade may take."""

    max_per_artist: int = 2
    max_genre_share: float = 1.0
    max_decade_share: float = 1.0


@dataclass(frozen=True)
class _Scored:
    song: Song
    score: float
    anchor: Anchor | None = None
    artist_bonus: bool = False


def rank(
    candidates: Sequence[Song], *, box: Box, profile: Profile | None = None, taste: Taste, setting: Setting,
    size: int, variety: Variety,
) -> list[Pick]:
    """The best `size` candidates, best first, kept varied (see `diversify`), with reasons."""
    profile = profile or Profile()
    scored = sorted(_scores(list(candidates), box, profile, taste), key=lambda s: (-s.score, s.song.spotify_id))
    return [Pick(s.song, round(s.score, 4), _reason(s, box, profile, setting)) for s in diversify(scored, size=size, variety=variety)]


def diversify(scored: Sequence[_Scored], *, size: int, variety: Variety) -> list[_Scored]:
    """Keep songs in order, at most `max_per_artist` per main artist, and no genre or decade
    past its share of the list while songs that fit nearly as well (within VARIETY_MARGIN)
    can take the place: variety never brings in a song that misfits the scene."""
    chosen = _Choice(variety, size)
    held_back: list[_Scored] = []
    for item in scored:
        if not chosen.artist_allows(item):
            continue
        while held_back and held_back[0].score - item.score > VARIETY_MARGIN and not chosen.full:
            chosen.take_if_artist_allows(held_back.pop(0))
        if chosen.full:
            break
        if chosen.variety_allows(item):
            chosen.take(item)
        else:
            held_back.append(item)
    for item in held_back:
        if chosen.full:
            break
        chosen.take_if_artist_allows(item)
    return sorted(chosen.kept, key=lambda s: (-s.score, s.song.spotify_id))


class _Choice:
    """The songs kept so far, counted by artist, genre and decade."""

    def __init__(self, variety: Variety, size: int) -> None:
        self.variety, self.size = variety, size
        self.kept: list[_Scored] = []
        self.genre_cap = math.ceil(variety.max_genre_share * size)
        self.decade_cap = math.ceil(variety.max_decade_share * size)
        self.artists: Counter[str] = Counter()
        self.genres: Counter[str] = Counter()
        self.decades: Counter[int] = Counter()

    @property
    def full(self) -> bool:
        return len(self.kept) >= self.size

    def artist_allows(self, item: _Scored) -> bool:
        return self.artists[_artist_key(item.song)] < self.variety.max_per_artist

    def variety_allows(self, item: _Scored) -> bool:
        genre, decade = _main_genre(item.song), _decade(item.song)
        return not ((genre and self.genres[genre] >= self.genre_cap) or (decade is not None and self.decades[decade] >= self.decade_cap))

    def take(self, item: _Scored) -> None:
        self.kept.append(item)
        self.artists[_artist_key(item.song)] += 1
        self.genres[_main_genre(item.song)] += 1
        decade = _decade(item.song)
        if decade is not None:
            self.decades[decade] += 1

    def take_if_artist_allows(self, item: _Scored) -> None:
        if self.artist_allows(item):
            self.take(item)


def _artist_key(song: Song) -> str:
    return song.main_artist or f"?{song.spotify_id}"


def _main_genre(song: Song) -> str:
    return normal_genre(song.genres[0]) if song.genres else ""


def _decade(song: Song) -> int | None:
    return song.release_year // 10 * 10 if song.release_year else None


def _scores(songs: list[Song], box: Box, profile: Profile, taste: Taste) -> list[_Scored]:
    if not songs:
        return []
    features = feature_matrix(songs)
    fit = scene_fit(features, box, profile) + GENRE_WEIGHT * _genre_fits(songs, profile)
    if taste.empty:
        return [_Scored(song, float(f)) for song, f in zip(songs, fit)]
    anchors = list(taste.anchors)
    texture = _taste_features(features)
    liked = similarity_matrix(texture, _taste_features(feature_matrix([a.track for a in anchors])))
    # A favourite is no anchor for itself.
    liked[np.array([s.pk for s in songs])[:, None] == np.array([a.track.pk for a in anchors])[None, :]] = 0.0
    best = liked.argmax(axis=1) if anchors else np.zeros(len(songs), dtype=int)
    similarity = liked.max(axis=1, initial=0.0)
    disliked = similarity_matrix(texture, _taste_features(feature_matrix(taste.disliked))).max(axis=1, initial=0.0)
    bonus = np.array([bool(s.main_artist) and s.main_artist in taste.artists for s in songs])
    score = fit + TASTE_WEIGHT * similarity + ARTIST_BONUS * bonus - DISLIKE_WEIGHT * disliked
    return [
        _Scored(song, float(score[i]), anchors[best[i]] if anchors and similarity[i] >= CLOSE_TO_ANCHOR else None, bool(bonus[i]))
        for i, song in enumerate(songs)
    ]


FEATURES = ("valence", "energy", *TASTE_FEATURES)
COLUMN = {name: i for i, name in enumerate(FEATURES)}


def feature_matrix(songs: Sequence[Song]) -> np.ndarray:
    """One row per song, one column per FEATURES name; nan where the song does not know it."""
    rows = [(s.valence, s.energy, s.danceability, s.acousticness, s.instrumentalness, s.speechiness, s.tempo) for s in songs]
    return np.array(rows, dtype=float).reshape(-1, len(FEATURES))  # None -> nan


def scene_fit(features: np.ndarray, box: Box, profile: Profile) -> np.ndarray:
    """How well each song suits the scene's box and profile ranges (genres are scored apart)."""
    return CENTRE_WEIGHT * centre_closeness(features, box) + PROFILE_WEIGHT * range_fit(features, profile)


def centre_closeness(features: np.ndarray, box: Box) -> np.ndarray:
    """1 at the box's centre, falling to 0 at its corners (and beyond)."""
    cv, ce = box.centre
    reach = math.hypot((box.valence_max - box.valence_min) / 2, (box.energy_max - box.energy_min) / 2) or 0.05
    valence, energy = (np.nan_to_num(features[:, COLUMN[name]]) for name in ("valence", "energy"))
    return np.maximum(0.0, 1 - np.hypot(valence - cv, energy - ce) / reach)


def range_fit(features: np.ndarray, profile: Profile) -> np.ndarray:
    """Per song: 1 inside every range, falling linearly to 0 at REACH outside, as the ranges'
    weighted mean over the features the song knows; UNKNOWN_FIT where it knows none."""
    total, weights = np.zeros(len(features)), np.zeros(len(features))
    for name, wanted in profile.ranges.items():
        values = features[:, COLUMN[name]]
        known = ~np.isnan(values)
        distance = np.maximum(np.maximum(wanted.low - values, values - wanted.high), 0.0)
        total += np.where(known, wanted.weight * np.clip(1 - distance / REACH[name], 0.0, 1.0), 0.0)
        weights += np.where(known, wanted.weight, 0.0)
    return np.where(weights > 0, total / np.maximum(weights, 1e-9), UNKNOWN_FIT)


def _genre_fits(songs: Sequence[Song], profile: Profile) -> np.ndarray:
    if not (profile.preferred or profile.avoided):
        return np.zeros(len(songs))
    known: dict[tuple[str, ...], float] = {}  # catalogs repeat a few hundred genre lists
    fits = np.zeros(len(songs))
    for i, song in enumerate(songs):
        if song.genres:
            key = tuple(song.genres)
            if key not in known:
                known[key] = genre_fit(profile, key)
            fits[i] = known[key]
    return fits


def similarity_matrix(songs: np.ndarray, others: np.ndarray) -> np.ndarray:
    """exp(-d²/2w²) between each song and each other (rows of `_taste_features`), d² the mean
    square difference over the features both have (0 where they share none).

    Written as matrix products, Σ known·(a-b)² = a²·kb + ka·b² - 2a·b with unknowns as 0:
    the difference cube it replaces took half of the ranking's time.
    """
    if not len(songs) or not len(others):
        return np.zeros((len(songs), len(others)))
    known_a, known_b = (~np.isnan(songs)).astype(float), (~np.isnan(others)).astype(float)
    a, b = np.nan_to_num(songs), np.nan_to_num(others)
    shared = known_a @ known_b.T
    square_sum = (a**2) @ known_b.T + known_a @ (b**2).T - 2 * a @ b.T
    mean_square = np.maximum(square_sum, 0.0) / np.maximum(shared, 1)
    return np.where(shared > 0, np.exp(-mean_square / (2 * TASTE_WIDTH**2)), 0.0)


def _taste_features(features: np.ndarray) -> np.ndarray:
    taste = features[:, [COLUMN[name] for name in TASTE_FEATURES]]
    taste[:, TASTE_FEATURES.index("tempo")] = np.minimum(taste[:, TASTE_FEATURES.index("tempo")] / TEMPO_SCALE, 1.0)
    return taste


def _reason(scored: _Scored, box: Box, profile: Profile, setting: Setting) -> str:
    return reason(scored.song, box=box, profile=profile, setting=setting, anchor=scored.anchor, by_known_artist=scored.artist_bonus)
