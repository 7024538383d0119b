"""The app's settings, each with a default; override any of them in Django settings."""
from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # From each start hour (local time) until the next, the energy band in use, as the
    # original had it: 02-12h low (min..2nd), 12-18h high (3rd..max), 18-02h middle (2nd..3rd).
    "RECOMMENDATIONS_ENERGY_BANDS": [(2, "low"), (12, "high"), (18, "mid")],
    "RECOMMENDATIONS_SIZE": 20,
    "RECOMMENDATIONS_MAX_PER_ARTIST": 2,
    # No one genre or decade takes more than this share of a list while others can fill it.
    "RECOMMENDATIONS_MAX_GENRE_SHARE": 0.4,
    "RECOMMENDATIONS_MAX_DECADE_SHARE": 0.5,
    "RECOMMENDATIONS_NO_REPEAT_LAST": 5,
    # Scenes below this share of the probability are left out of the blend.
    "RECOMMENDATIONS_MIN_SCENE_PROBABILITY": 0.1,
    # Feature providers tried in order for unscored tracks (see recommendations.providers).
    "RECOMMENDATIONS_FEATURE_PROVIDERS": [
        "recommendations.providers.SpotifyAudioFeaturesProvider",
        "recommendations.providers.ReccoBeatsProvider",
    ],
    "RECOMMENDATIONS_SPOTIFY_AUDIO_FEATURES_ENABLED": False,
    "RECCOBEATS_ENABLED": False,
    "RECCOBEATS_BASE_URL": "https://api.reccobeats.com/v1/",
    "RECCOBEATS_TIMEOUT": 10.0,
    # The refresh job's searches: each query's results grow the catalog.
    "RECOMMENDATIONS_REFRESH_SEARCHES": [],
    "RECOMMENDATIONS_REFRESH_MAX_USERS": 50,
    # A rate limit longer than this ends the run (recorded) instead of sleeping through it.
    "RECOMMENDATIONS_REFRESH_MAX_WAIT_S": 30,
}


def get(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])
