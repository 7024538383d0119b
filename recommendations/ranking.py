"""Ranking candidates: closeness to the box's centre, fit to the scene's profile, closeness
to the user's taste, variety (artists, genres, decades), and a short reason per pick.
Pure functions on tracks already loaded.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommendations.criteria import Box
from recommendations.models import Track
from recommendations.profiles import Profile, genre_fit, normal_genre, range_fit

# Features compared for taste. Valence and energy are the scene's to decide: a favourite
# from another mood still tells us the texture someone likes. Tempo is scaled by TEMPO_SCALE.
TASTE_FEATURES = ("danceability", "acousticness", "instrumentalness", "speechiness", "tempo")
TEMPO_SCALE = 250.0
TASTE_WIDTH = 0.2  # how far (in feature space) a song can be from a favourite and still count as close
CENTRE_WEIGHT, PROFILE_WEIGHT, GENRE_WEIGHT = 0.35, 0.5, 0.2
TASTE_WEIGHT, ARTIST_BONUS, DISLIKE_WEIGHT = 0.3, 0.1, 0.3
UNKNOWN_FIT = 0.5  # a track that knows none of the profile's features: neither fits nor misfits
CLOSE_TO_ANCHOR = 0.6  # taste similarity above which the reason names the favourite


@dataclass(frozen=True)
class Anchor:
    """A track the user likes, and how to name it in a reason."""

    track: Track
    phrase: str  # "a top track of yours", "a song you liked"


@dataclass(frozen=True)
class Taste:
    anchors: Sequence[Anchor] = ()
    disliked: Sequence[Track] = ()
    artists: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.anchors or self.disliked or self.artists)


@dataclass(frozen=True)
class Pick:
    track: Track
    score: float
    reason: str


@dataclass(frozen=True)
class Variety:
    """How much of one list a single artist, genre or decade may take."""

    max_per_artist: int = 2
    max_genre_share: float = 1.0
    max_decade_share: float = 1.0


def rank(
    candidates: Sequence[Track], *, box: Box, profile: Profile = Profile(), taste: Taste, scene_phrase: str,
    size: int, variety: Variety,
) -> list[Pick]:
    """The best `size` candidates, best first, kept varied (see `diversify`)."""
    scored = sorted(_scores(list(candidates), box, profile, taste, scene_phrase), key=lambda pick: (-pick.score, pick.track.spotify_id))
    return diversify(scored, size=size, variety=variety)


def diversify(picks: Sequence[Pick], *, size: int, variety: Variety) -> list[Pick]:
    """Keep picks in order, at most `max_per_artist` per main artist, and no genre or decade
    past its share of the list while other picks can take the place; those skipped only for
    their genre or decade fill what is left."""
    per_artist: Counter[str] = Counter()
    per_genre: Counter[str] = Counter()
    per_decade: Counter[int] = Counter()
    genre_cap, decade_cap = math.ceil(variety.max_genre_share * size), math.ceil(variety.max_decade_share * size)
    kept: list[Pick] = []
    held_back: list[Pick] = []
    for pick in picks:
        artist = pick.track.main_artist or f"?{pick.track.spotify_id}"
        if per_artist[artist] >= variety.max_per_artist:
            continue
        genre, decade = _main_genre(pick.track), _decade(pick.track)
        if (genre and per_genre[genre] >= genre_cap) or (decade is not None and per_decade[decade] >= decade_cap):
            held_back.append(pick)
            continue
        per_artist[artist] += 1
        per_genre[genre] += 1
        per_decade[decade] += 1  # type: ignore[index]
        kept.append(pick)
        if len(kept) == size:
            return kept
    for pick in held_back:
        artist = pick.track.main_artist or f"?{pick.track.spotify_id}"
        if len(kept) < size and per_artist[artist] < variety.max_per_artist:
            per_artist[artist] += 1
            kept.append(pick)
    return sorted(kept, key=lambda pick: (-pick.score, pick.track.spotify_id))


def _main_genre(track: Track) -> str:
    return normal_genre(track.genres[0]) if track.genres else ""


def _decade(track: Track) -> int | None:
    return track.release_year // 10 * 10 if track.release_year else None


def _scores(tracks: list[Track], box: Box, profile: Profile, taste: Taste, scene_phrase: str) -> list[Pick]:
    scene_fit = [_scene_fit(track, box, profile) for track in tracks]
    if taste.empty or not tracks:
        return [Pick(t, round(fit, 4), _scene_reason(t, profile, scene_phrase)) for t, fit in zip(tracks, scene_fit)]
    anchors = list(taste.anchors)
    liked = similarity_matrix(tracks, [a.track for a in anchors])
    # A favourite is no anchor for itself.
    liked[np.array([t.pk for t in tracks])[:, None] == np.array([a.track.pk for a in anchors])[None, :]] = 0.0
    best = liked.argmax(axis=1) if anchors else np.zeros(len(tracks), dtype=int)
    similarity = liked.max(axis=1, initial=0.0)
    disliked = similarity_matrix(tracks, list(taste.disliked)).max(axis=1, initial=0.0)
    picks = []
    for i, track in enumerate(tracks):
        bonus = ARTIST_BONUS if track.main_artist and track.main_artist in taste.artists else 0.0
        score = scene_fit[i] + TASTE_WEIGHT * float(similarity[i]) + bonus - DISLIKE_WEIGHT * float(disliked[i])
        anchor = anchors[best[i]] if anchors else None
        picks.append(Pick(track, round(score, 4), _reason(track, profile, anchor, float(similarity[i]), bonus, scene_phrase)))
    return picks


def _scene_fit(track: Track, box: Box, profile: Profile) -> float:
    """How well a track suits the scene: the box's centre, the profile's ranges, its genres."""
    fit = range_fit(profile, {name: getattr(track, name) for name in profile.ranges})
    return (
        CENTRE_WEIGHT * centre_closeness(track, box)
        + PROFILE_WEIGHT * (UNKNOWN_FIT if fit is None else fit)
        + GENRE_WEIGHT * genre_fit(profile, track.genres or [])
    )


def _reason(track: Track, profile: Profile, anchor: Anchor | None, similarity: float, bonus: float, scene_phrase: str) -> str:
    if anchor is not None and similarity >= CLOSE_TO_ANCHOR:
        reason = f"{describe(track)}, close to {anchor.track.name} ({anchor.phrase})"
    elif bonus:
        reason = f"{describe(track)}, by an artist you listen to"
    else:
        reason = _scene_reason(track, profile, scene_phrase)
    return reason[:300]


def _scene_reason(track: Track, profile: Profile, scene_phrase: str) -> str:
    """What made the track fit: how it feels, then the profile's features it meets, then the scene."""
    return ", ".join([describe(track), *profile_words(track, profile), scene_phrase])[:300]


def profile_words(track: Track, profile: Profile, most: int = 2) -> list[str]:
    """Up to `most` phrases for the profile ranges the track meets, tightest range first,
    and a preferred genre it belongs to: ["mostly acoustic", "76 BPM", "jazz"]."""
    met = [
        (wanted.high - wanted.low, name) for name, wanted in profile.ranges.items()
        if getattr(track, name) is not None and wanted.distance(getattr(track, name)) == 0
    ]
    words = [_feature_phrase(track, name) for _, name in sorted(met)][:most]
    genre = next((g for g in track.genres or [] if genre_fit(Profile(preferred=profile.preferred), [g]) > 0), None)
    return [word for word in words if word] + ([genre.lower()] if genre else [])


def _feature_phrase(track: Track, name: str) -> str:
    value = getattr(track, name)
    if name == "tempo":
        return f"{value:.0f} BPM"
    phrases = {
        "acousticness": ("mostly acoustic", "not acoustic"),
        "instrumentalness": ("instrumental", "with vocals"),
        "danceability": ("danceable", "not one for dancing"),
        "speechiness": ("spoken", "few spoken words"),
    }
    high, low = phrases[name]
    return high if value >= 0.5 else low


def centre_closeness(track: Track, box: Box) -> float:
    """1 at the box's centre, falling to 0 at its corners (and beyond)."""
    cv, ce = box.centre
    reach = math.hypot((box.valence_max - box.valence_min) / 2, (box.energy_max - box.energy_min) / 2) or 0.05
    distance = math.hypot((track.valence or 0) - cv, (track.energy or 0) - ce)
    return max(0.0, 1 - distance / reach)


def similarity_matrix(tracks: Sequence[Track], others: Sequence[Track]) -> np.ndarray:
    """exp(-d²/2w²) between each track and each other, d² the mean square difference over
    the features both have (0 where they share none). Shape (len(tracks), len(others))."""
    if not tracks or not others:
        return np.zeros((len(tracks), len(others)))
    diff = _features(tracks)[:, None, :] - _features(others)[None, :, :]
    shared = (~np.isnan(diff)).sum(axis=2)
    mean_square = np.nansum(diff**2, axis=2) / np.maximum(shared, 1)
    return np.where(shared > 0, np.exp(-mean_square / (2 * TASTE_WIDTH**2)), 0.0)


def _features(tracks: Sequence[Track]) -> np.ndarray:
    rows = np.array([[getattr(t, f) for f in TASTE_FEATURES] for t in tracks], dtype=float)  # None -> nan
    rows[:, TASTE_FEATURES.index("tempo")] = np.minimum(rows[:, TASTE_FEATURES.index("tempo")] / TEMPO_SCALE, 1.0)
    return rows


def describe(track: Track) -> str:
    """Two words for how a track feels: "calm and acoustic", "energetic and upbeat"."""
    energy = track.energy or 0.0
    words = ["calm" if energy < 0.35 else "energetic" if energy > 0.7 else "steady"]
    valence = track.valence or 0.0
    if (track.acousticness or 0) > 0.6:
        words.append("acoustic")
    elif (track.instrumentalness or 0) > 0.5:
        words.append("instrumental")
    elif valence < 0.3:
        words.append("melancholic")
    elif valence > 0.7:
        words.append("upbeat")
    elif (track.danceability or 0) > 0.7:
        words.append("danceable")
    else:
        words.append("warm" if valence >= 0.5 else "wistful")
    return " and ".join(words)
