"""Why a song was picked, in words: what made it fit (a favourite it resembles, the scene
profile's acousticness, tempo or genre it meets, its energy and mood against the scene and
the hour), with the numbers, so two songs of one list read differently.

The energy words come from the time-of-day band, the same words the songs page's header
uses (`band_phrase`): a header that says "lively" never sits above songs called "calm".
Pure functions on songs already ranked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from recommendations.profiles import TEMPO_LIMITS, Profile, Range, genre_fit

if TYPE_CHECKING:
    from recommendations.criteria import Box
    from recommendations.ranking import Anchor, Song

# One word per energy band (criteria.BANDS), shared by the reasons and the header.
BAND_WORDS = {"low": "low-key", "mid": "moderate", "high": "lively"}
MOOD_WORDS = ((0.3, "melancholic"), (0.5, "wistful"), (0.7, "warm"), (1.01, "upbeat"))  # valence below -> word
FEATURE_PHRASES = {  # (at or above 0.5, below)
    "acousticness": ("mostly acoustic", "not acoustic"),
    "instrumentalness": ("instrumental", "with vocals"),
    "danceability": ("danceable", "not one for dancing"),
    "speechiness": ("spoken", "few spoken words"),
}
SPANS = {"tempo": TEMPO_LIMITS[1] - TEMPO_LIMITS[0]}  # to compare a tempo range's width with the others'
MAX_LENGTH = 300  # RecommendationItem.reason


@dataclass(frozen=True)
class Setting:
    """What a list was picked for: its scenes' display names ("Rain and Nature"), the part
    of the day ("this afternoon") and the energy band ("low", "mid", "high")."""

    scenes: str
    time: str
    band: str


BAND_PHRASES = {
    "low": "the low-key end of the scene's energy",
    "mid": "moderate energy, the middle of the scene's range",
    "high": "the lively end of the scene's energy",
}
# Most songs have few spoken words: a range on it is met by nearly all, so it explains little
# and is named only when no other range is met.
COMMONPLACE = ("speechiness",)


def band_phrase(band: str) -> str:
    """The header's words for an energy band, holding its BAND_WORDS word: "the lively end of
    the scene's energy"; empty for an unknown band."""
    return BAND_PHRASES.get(band, "")


def reason(
    song: Song, *, box: Box, profile: Profile, setting: Setting, anchor: Anchor | None = None, by_known_artist: bool = False
) -> str:
    """One sentence: the song's taste link (if any), the profile features it meets (tightest
    range first, at most two, and a preferred genre), then its energy and mood for the scene."""
    parts: list[str] = []
    if anchor is not None:
        parts.append(f"sounds like {anchor.track.name} ({anchor.phrase})")
    elif by_known_artist and song.artist:
        parts.append(f"by {song.artist}, an artist you listen to")
    features = profile_words(song, profile)
    if features:
        parts.append(", ".join(features))
    parts.append(f"{energy_and_mood(song, box, setting.band)} for {setting.scenes} {setting.time}")
    text = "; ".join(parts)
    return (text[:1].upper() + text[1:])[:MAX_LENGTH]


def energy_and_mood(song: Song, box: Box, band: str) -> str:
    """"lively energy (55%) and a wistful mood (40%)": the energy word is the band's where the
    song sits inside the box, and says so where a widened search went past it."""
    energy = _energy_words(song.energy, box, BAND_WORDS.get(band, "fitting"))
    if song.valence is None:
        return energy
    mood = mood_word(song.valence)
    return f"{energy} and {'an' if mood[0] in 'aeiou' else 'a'} {mood} mood ({_percent(song.valence)})"


def _energy_words(energy: float | None, box: Box, word: str) -> str:
    if energy is None:
        return f"{word} energy"
    if box.energy_min - 1e-9 <= energy <= box.energy_max + 1e-9:
        return f"{word} energy ({_percent(energy)})"
    side = "under" if energy < box.energy_min else "over"
    return f"energy {_percent(energy)}, just {side} the {word} range"


def mood_word(valence: float) -> str:
    return next(word for limit, word in MOOD_WORDS if valence < limit)


def profile_words(song: Song, profile: Profile, *, most: int = 2) -> list[str]:
    """Up to `most` phrases for the profile ranges the song meets, tightest range first (the
    COMMONPLACE ones last), and a preferred genre it belongs to: ["mostly acoustic (82%)",
    "76 BPM", "jazz"]."""
    met = [
        (name in COMMONPLACE, (wanted.high - wanted.low) / SPANS.get(name, 1.0), name) for name, wanted in profile.ranges.items()
        if getattr(song, name) is not None and wanted.distance(getattr(song, name)) == 0
    ]
    ordered = [name for *_, name in sorted(met)]
    if len(ordered) > 1:
        ordered = [name for name in ordered if name not in COMMONPLACE]
    words = [feature_phrase(song, name, profile.ranges[name]) for name in ordered][:most]
    liked_only = Profile(preferred=profile.preferred)
    genre = next((g for g in song.genres if genre_fit(liked_only, [g]) > 0), None)
    return words + ([genre.lower()] if genre else [])


def feature_phrase(song: Song, name: str, wanted: Range) -> str:
    """"76 BPM", "mostly acoustic (82%)"; the word only where the song and the range the
    scene asks for lean the same way ("danceable" never names a range of calm songs)."""
    value = getattr(song, name)
    if name == "tempo":
        return f"{value:.0f} BPM"
    high, low = FEATURE_PHRASES[name]
    wants_high = (wanted.low + wanted.high) / 2 >= 0.5
    if wants_high == (value >= 0.5):
        return f"{high if wants_high else low} ({_percent(value)})"
    return f"{name} {_percent(value)}"


def _percent(value: float | None) -> str:
    return f"{round((value or 0.0) * 100)}%"
