"""Scene profiles: what music fits a scene beyond its valence/energy box.

A profile holds optional ranges for acousticness, instrumentalness, danceability,
speechiness and tempo, and genres the scene prefers or avoids. Pure functions on plain
values: validation for the admin, blending the likely scenes, genre matching (the ranges'
fit is scored in `recommendations.ranking`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

UNIT_RANGES = ("acousticness", "instrumentalness", "danceability", "speechiness")
RANGED = (*UNIT_RANGES, "tempo")
TEMPO_LIMITS = (30.0, 250.0)
# How far outside a range a value may fall before it stops fitting at all.
REACH = {**dict.fromkeys(UNIT_RANGES, 0.3), "tempo": 40.0}
RANGE_FIELDS = tuple(f"{name}_{end}" for name in RANGED for end in ("min", "max"))
GENRE_FIELDS = ("preferred_genres", "avoided_genres")
PROFILE_FIELDS = (*RANGE_FIELDS, *GENRE_FIELDS)

ERROR_UNIT = "Must be between 0 and 1."
ERROR_TEMPO = f"Tempo must be between {TEMPO_LIMITS[0]:.0f} and {TEMPO_LIMITS[1]:.0f} BPM."
ERROR_ORDER = "The minimum must not be above the maximum."
ERROR_GENRE = "Genres are a list of names."
ERROR_BOTH_WAYS = "A genre cannot be both preferred and avoided: {genres}."


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    weight: float = 1.0  # the share of the blended scenes that set this range

    def distance(self, value: float) -> float:
        return max(self.low - value, 0.0, value - self.high)


@dataclass(frozen=True)
class Profile:
    ranges: Mapping[str, Range] = field(default_factory=dict)
    preferred: Mapping[str, float] = field(default_factory=dict)  # genre -> weight
    avoided: Mapping[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.ranges or self.preferred or self.avoided)


def profile_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """Field -> message for each broken rule of a scene's profile; empty when valid.

    A range may set its minimum, its maximum, both or neither.
    """
    errors: dict[str, str] = {}
    for name in RANGED:
        low, high = values.get(f"{name}_min"), values.get(f"{name}_max")
        for end, value in (("min", low), ("max", high)):
            message = _bound_error(name, value)
            if message:
                errors[f"{name}_{end}"] = message
        if low is not None and high is not None and not errors.keys() & {f"{name}_min", f"{name}_max"} and low > high:
            errors[f"{name}_max"] = ERROR_ORDER
    for key in GENRE_FIELDS:
        genres = values.get(key) or []
        if not isinstance(genres, list) or not all(isinstance(g, str) and g.strip() for g in genres):
            errors[key] = ERROR_GENRE
    if not errors.keys() & set(GENRE_FIELDS):
        both = {normal_genre(g) for g in values.get("preferred_genres") or []} & {normal_genre(g) for g in values.get("avoided_genres") or []}
        if both:
            errors["avoided_genres"] = ERROR_BOTH_WAYS.format(genres=", ".join(sorted(both)))
    return errors


def _bound_error(name: str, value: Any) -> str:
    if value is None:
        return ""
    low, high = TEMPO_LIMITS if name == "tempo" else (0.0, 1.0)
    if not isinstance(value, int | float) or not low <= value <= high:
        return ERROR_TEMPO if name == "tempo" else ERROR_UNIT
    return ""


def scene_profile(values: Mapping[str, Any]) -> Profile:
    """The profile of one scene's row (its `*_min`/`*_max` fields and genre lists)."""
    ranges = {}
    for name in RANGED:
        low, high = values.get(f"{name}_min"), values.get(f"{name}_max")
        if low is None and high is None:
            continue
        floor, ceiling = TEMPO_LIMITS if name == "tempo" else (0.0, 1.0)
        ranges[name] = Range(float(low if low is not None else floor), float(high if high is not None else ceiling))
    return Profile(
        ranges=ranges,
        preferred=dict.fromkeys(_genres(values.get("preferred_genres")), 1.0),
        avoided=dict.fromkeys(_genres(values.get("avoided_genres")), 1.0),
    )


def _genres(names: Any) -> list[str]:
    return [normal_genre(name) for name in names or [] if str(name).strip()]


def blend_profiles(weighted: Sequence[tuple[float, Profile]]) -> Profile:
    """The likely scenes' profiles, weighted by their probabilities.

    A range is the weighted average of the bounds of the scenes that set it, and counts
    with the share of those scenes; a genre counts with the share of scenes that name it.
    """
    total = sum(weight for weight, _ in weighted) or 1.0
    ranges = {}
    for name in RANGED:
        setting = [(weight / total, profile.ranges[name]) for weight, profile in weighted if name in profile.ranges]
        share = sum(w for w, _ in setting)
        if share > 0:
            low = sum(w * r.low for w, r in setting) / share
            high = sum(w * r.high for w, r in setting) / share
            ranges[name] = Range(low, high, share)
    preferred: dict[str, float] = {}
    avoided: dict[str, float] = {}
    for weight, profile in weighted:
        for genre in profile.preferred:
            preferred[genre] = preferred.get(genre, 0.0) + weight / total
        for genre in profile.avoided:
            avoided[genre] = avoided.get(genre, 0.0) + weight / total
    return Profile(ranges=ranges, preferred=preferred, avoided=avoided)


def genre_fit(profile: Profile, genres: Iterable[str]) -> float:
    """The weight of the best preferred genre the track has, less that of the worst avoided one."""
    words = [_words(normal_genre(genre)) for genre in genres]
    liked = max((weight for genre, weight in profile.preferred.items() if _names_any(genre, words)), default=0.0)
    disliked = max((weight for genre, weight in profile.avoided.items() if _names_any(genre, words)), default=0.0)
    return liked - disliked


def normal_genre(name: str) -> str:
    """"Hip-Hop", "hip_hop" and "hip hop" are one genre; "R&B" stays "r&b"."""
    return " ".join(re.split(r"[\s_\-]+", name.strip().casefold()))


def _words(genre: str) -> tuple[str, ...]:
    return tuple(genre.split(" "))


def _names_any(genre: str, track_genres: list[tuple[str, ...]]) -> bool:
    """Whether a profile genre names one of a track's genres: "house" names "deep house", "rock"
    names "alt rock", but "pop" does not name "popular"."""
    wanted = _words(genre)
    n = len(wanted)
    return any(words[i : i + n] == wanted for words in track_genres for i in range(len(words) - n + 1))
