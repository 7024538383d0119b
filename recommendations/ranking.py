"""Ranking candidates: closeness to the region's centre and to the user's taste, artist
diversity, and a short reason per pick. Pure functions on tracks already loaded.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from recommendations.criteria import Box
from recommendations.models import Track

# Features compared for taste. Valence and energy are the scene's to decide: a favourite
# from another mood still tells us the texture someone likes. Tempo is scaled by TEMPO_SCALE.
TASTE_FEATURES = ("danceability", "acousticness", "instrumentalness", "speechiness", "tempo")
TEMPO_SCALE = 250.0
TASTE_WIDTH = 0.2  # how far (in feature space) a song can be from a favourite and still count as close
CENTRE_WEIGHT, TASTE_WEIGHT, ARTIST_BONUS, DISLIKE_WEIGHT = 0.6, 0.4, 0.1, 0.3
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


def rank(candidates: Sequence[Track], *, box: Box, taste: Taste, scene_phrase: str, size: int, max_per_artist: int) -> list[Pick]:
    """The best `size` candidates, at most `max_per_artist` per main artist, best first."""
    scored = sorted(_scores(list(candidates), box, taste, scene_phrase), key=lambda pick: (-pick.score, pick.track.spotify_id))
    return diversify(scored, size=size, max_per_artist=max_per_artist)


def diversify(picks: Sequence[Pick], *, size: int, max_per_artist: int) -> list[Pick]:
    """Keep picks in order, skipping any past `max_per_artist` for its main artist."""
    per_artist: Counter[str] = Counter()
    kept: list[Pick] = []
    for pick in picks:
        artist = pick.track.main_artist or f"?{pick.track.spotify_id}"
        if per_artist[artist] >= max_per_artist:
            continue
        per_artist[artist] += 1
        kept.append(pick)
        if len(kept) == size:
            break
    return kept


def _scores(tracks: list[Track], box: Box, taste: Taste, scene_phrase: str) -> list[Pick]:
    centre = [centre_closeness(track, box) for track in tracks]
    if taste.empty or not tracks:
        return [Pick(t, round(c, 4), f"{describe(t)}, {scene_phrase}") for t, c in zip(tracks, centre)]
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
        score = CENTRE_WEIGHT * centre[i] + TASTE_WEIGHT * float(similarity[i]) + bonus - DISLIKE_WEIGHT * float(disliked[i])
        anchor = anchors[best[i]] if anchors else None
        picks.append(Pick(track, round(score, 4), _reason(track, anchor, float(similarity[i]), bonus, scene_phrase)))
    return picks


def _reason(track: Track, anchor: Anchor | None, similarity: float, bonus: float, scene_phrase: str) -> str:
    if anchor is not None and similarity >= CLOSE_TO_ANCHOR:
        reason = f"{describe(track)}, close to {anchor.track.name} ({anchor.phrase})"
    elif bonus:
        reason = f"{describe(track)}, by an artist you listen to"
    else:
        reason = f"{describe(track)}, {scene_phrase}"
    return reason[:300]


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
