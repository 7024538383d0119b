"""Seed the criteria table and the ESC-50 label -> scene mapping.

A copy of `ml/scenes.py` as it stood when this was written (migrations never import live
code). Rows already there (an admin's edits) are left alone.
"""
from __future__ import annotations

from django.db import migrations

# name: (description from ml/scenes.py, rationale, valence_min, valence_max, energy_min, energy_max)
# The energy bands cut each energy range into thirds, as the original's table did.
SCENES = {
    "nature": (
        "Birds, insects, frogs and wind: outdoors away from people, calm and green.",
        "Gentle, warm and mostly acoustic: mid valence, low to moderate energy.",
        0.35, 0.75, 0.05, 0.60,
    ),
    "rain": (
        "Rain and thunder: the steady wash of weather, its own mood whether indoors or out.",
        "Wistful and mellow: low valence, low to moderate energy.",
        0.05, 0.45, 0.05, 0.55,
    ),
    "seaside": (
        "Breaking waves: the beach or a harbour, unmistakable and long-lasting.",
        "Bright and breezy: high valence, relaxed to lively energy.",
        0.50, 0.90, 0.20, 0.75,
    ),
    "fireside": (
        "A crackling fire: a hearth, a campfire or a cosy evening in.",
        "Warm and intimate: middling valence, low energy.",
        0.30, 0.70, 0.05, 0.50,
    ),
    "countryside": (
        "Farm animals, church bells and saws: rural life with people at work.",
        "Cheerful and earthy: high valence, moderate energy.",
        0.45, 0.90, 0.20, 0.75,
    ),
    "street": (
        "Engines, horns, sirens and footsteps: a city street outdoors.",
        "Urban drive to stand up to the noise: wide valence, high energy.",
        0.30, 0.80, 0.45, 1.00,
    ),
    "transit": (
        "Trains and planes: on the move, in or near a vehicle.",
        "A steady travelling pulse: middling valence, moderate to high energy.",
        0.25, 0.70, 0.35, 0.90,
    ),
    "home": (
        "Pets, babies, appliances and the bathroom: the sounds of a household.",
        "Easy and comfortable: fairly high valence, low to moderate energy.",
        0.40, 0.85, 0.15, 0.70,
    ),
    "work_study": (
        "Keyboards, mouse clicks, ticking clocks and knocks: a desk, office or library.",
        "Unobtrusive focus: neutral valence, low to moderate energy.",
        0.20, 0.60, 0.10, 0.55,
    ),
    "social": (
        "Laughter, applause, clinking glasses and coughs: being among other people.",
        "Upbeat and shared: high valence, high energy.",
        0.55, 1.00, 0.55, 1.00,
    ),
}

SCENE_LABELS = {
    "nature": ("chirping_birds", "crickets", "insects", "frog", "crow", "wind", "water_drops"),
    "rain": ("rain", "thunderstorm"),
    "seaside": ("sea_waves",),
    "fireside": ("crackling_fire",),
    "countryside": ("rooster", "cow", "pig", "sheep", "hen", "chainsaw", "hand_saw", "church_bells"),
    "street": ("car_horn", "siren", "engine", "helicopter", "footsteps"),
    "transit": ("train", "airplane"),
    "home": (
        "dog", "cat", "crying_baby", "snoring", "breathing", "toilet_flush", "pouring_water",
        "brushing_teeth", "washing_machine", "vacuum_cleaner", "door_wood_creaks", "can_opening",
        "clock_alarm",
    ),
    "work_study": ("mouse_click", "keyboard_typing", "clock_tick", "door_wood_knock"),
    "social": ("laughing", "clapping", "coughing", "sneezing", "drinking_sipping", "glass_breaking", "fireworks"),
}


def seed(apps, schema_editor):
    Scene = apps.get_model("recommendations", "Scene")
    SceneLabel = apps.get_model("recommendations", "SceneLabel")
    for name, (description, rationale, vmin, vmax, emin, emax) in SCENES.items():
        third = (emax - emin) / 3
        scene, _ = Scene.objects.get_or_create(
            name=name,
            defaults={
                "description": description, "rationale": rationale,
                "valence_min": vmin, "valence_max": vmax, "energy_min": emin,
                "energy_2nd": round(emin + third, 4), "energy_3rd": round(emin + 2 * third, 4), "energy_max": emax,
            },
        )
        for label in SCENE_LABELS[name]:
            SceneLabel.objects.get_or_create(label=label, defaults={"scene": scene})


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
