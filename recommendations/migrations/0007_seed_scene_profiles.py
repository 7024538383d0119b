"""Give each of the ten scenes a default profile: feature ranges and genres that suit it.

Rain and fireside ask for calm, acoustic, slower music; work & study for instrumental music
with few words; social for danceable music; street for pace. Only scenes whose profile is
still empty are filled (an admin's edits are left alone).
"""
from __future__ import annotations

from django.db import migrations

CALM_AVOIDS = ["hip hop", "rap", "trap", "metal", "edm", "dance", "reggaeton", "comedy"]
QUIET_AVOIDS = ["comedy", "children's music"]
# Ranges are (min, max); None leaves that end open.
PROFILES = {
    "nature": {
        "acousticness": (0.4, None), "speechiness": (None, 0.2), "tempo": (60, 130),
        "preferred_genres": ["folk", "acoustic", "ambient", "classical", "singer songwriter", "new age", "world"],
        "avoided_genres": CALM_AVOIDS,
    },
    "rain": {
        "acousticness": (0.5, None), "danceability": (None, 0.6), "speechiness": (None, 0.15), "tempo": (50, 115),
        "preferred_genres": ["acoustic", "folk", "jazz", "piano", "classical", "ambient", "singer songwriter", "soul", "blues"],
        "avoided_genres": CALM_AVOIDS,
    },
    "seaside": {
        "danceability": (0.45, None), "speechiness": (None, 0.3), "tempo": (80, 140),
        "preferred_genres": ["reggae", "indie", "pop", "bossa nova", "latin", "surf", "ska", "world"],
        "avoided_genres": ["metal", "opera", *QUIET_AVOIDS],
    },
    "fireside": {
        "acousticness": (0.5, None), "danceability": (None, 0.6), "speechiness": (None, 0.15), "tempo": (50, 110),
        "preferred_genres": ["folk", "acoustic", "jazz", "blues", "classical", "soul", "country", "singer songwriter"],
        "avoided_genres": [*CALM_AVOIDS, "electronic"],
    },
    "countryside": {
        "acousticness": (0.3, None), "speechiness": (None, 0.2), "tempo": (80, 140),
        "preferred_genres": ["country", "folk", "bluegrass", "americana", "acoustic", "world"],
        "avoided_genres": ["metal", "trap", "edm", "comedy"],
    },
    "street": {
        "danceability": (0.5, None), "acousticness": (None, 0.5), "tempo": (95, 180),
        "preferred_genres": ["hip hop", "rap", "rock", "electronic", "punk", "dance", "alternative"],
        "avoided_genres": ["classical", "ambient", "opera", "new age", *QUIET_AVOIDS],
    },
    "transit": {
        "speechiness": (None, 0.33), "tempo": (90, 150),
        "preferred_genres": ["electronic", "indie", "pop", "rock", "house", "alternative", "soundtrack"],
        "avoided_genres": ["opera", *QUIET_AVOIDS],
    },
    "home": {
        "acousticness": (0.2, None), "speechiness": (None, 0.3), "tempo": (70, 130),
        "preferred_genres": ["soul", "indie", "pop", "jazz", "r&b", "folk", "singer songwriter"],
        "avoided_genres": ["metal", "comedy"],
    },
    "work_study": {
        "instrumentalness": (0.5, None), "speechiness": (None, 0.1), "danceability": (None, 0.65), "tempo": (60, 130),
        "preferred_genres": ["classical", "ambient", "soundtrack", "jazz", "piano", "electronic", "study", "new age"],
        "avoided_genres": ["hip hop", "rap", "trap", "metal", "comedy", "reggaeton"],
    },
    "social": {
        "danceability": (0.6, None), "speechiness": (None, 0.35), "tempo": (95, 135),
        "preferred_genres": ["pop", "dance", "disco", "funk", "house", "r&b", "hip hop", "latin", "reggaeton"],
        "avoided_genres": ["classical", "ambient", "opera", "new age", *QUIET_AVOIDS],
    },
}
RANGED = ("acousticness", "instrumentalness", "danceability", "speechiness", "tempo")
PROFILE_FIELDS = (*(f"{name}_{end}" for name in RANGED for end in ("min", "max")), "preferred_genres", "avoided_genres")


def seed(apps, schema_editor):
    Scene = apps.get_model("recommendations", "Scene")
    for scene in Scene.objects.filter(name__in=PROFILES):
        if any(getattr(scene, field) not in (None, []) for field in PROFILE_FIELDS):
            continue
        profile = PROFILES[scene.name]
        for name in RANGED:
            low, high = profile.get(name, (None, None))
            setattr(scene, f"{name}_min", low)
            setattr(scene, f"{name}_max", high)
        scene.preferred_genres, scene.avoided_genres = profile["preferred_genres"], profile["avoided_genres"]
        scene.save()


def unseed(apps, schema_editor):
    Scene = apps.get_model("recommendations", "Scene")
    Scene.objects.filter(name__in=PROFILES).update(
        **{f"{name}_{end}": None for name in RANGED for end in ("min", "max")}, preferred_genres=[], avoided_genres=[]
    )


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0006_scene_profiles_explicit")]
    operations = [migrations.RunPython(seed, unseed)]
