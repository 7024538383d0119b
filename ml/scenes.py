"""The scenes the product speaks in, and the default ESC-50 label -> scene mapping.

A scene is the ambience a person is in; its probability is the sum of its labels'.
The mapping ships in each model's metadata and seeds the database, where the admin can
change it.
"""

from __future__ import annotations

SCENES: dict[str, str] = {
    "nature": "Birds, insects, frogs and wind: outdoors away from people, calm and green.",
    "rain": "Rain and thunder: the steady wash of weather, its own mood whether indoors or out.",
    "seaside": "Breaking waves: the beach or a harbour, unmistakable and long-lasting.",
    "fireside": "A crackling fire: a hearth, a campfire or a cosy evening in.",
    "countryside": "Farm animals, church bells and saws: rural life with people at work.",
    "street": "Engines, horns, sirens and footsteps: a city street outdoors.",
    "transit": "Trains and planes: on the move, in or near a vehicle.",
    "home": "Pets, babies, appliances and the bathroom: the sounds of a household.",
    "work_study": "Keyboards, mouse clicks, ticking clocks and knocks: a desk, office or library.",
    "social": "Laughter, applause, clinking glasses and coughs: being among other people.",
}

_SCENE_LABELS: dict[str, tuple[str, ...]] = {
    "nature": ("chirping_birds", "crickets", "insects", "frog", "crow", "wind", "water_drops"),
    "rain": ("rain", "thunderstorm"),
    "seaside": ("sea_waves",),
    "fireside": ("crackling_fire",),
    "countryside": ("rooster", "cow", "pig", "sheep", "hen", "chainsaw", "hand_saw", "church_bells"),
    "street": ("car_horn", "siren", "engine", "helicopter", "footsteps"),
    "transit": ("train", "airplane"),
    "home": (
        "dog",
        "cat",
        "crying_baby",
        "snoring",
        "breathing",
        "toilet_flush",
        "pouring_water",
        "brushing_teeth",
        "washing_machine",
        "vacuum_cleaner",
        "door_wood_creaks",
        "can_opening",
        "clock_alarm",
    ),
    "work_study": ("mouse_click", "keyboard_typing", "clock_tick", "door_wood_knock"),
    "social": ("laughing", "clapping", "coughing", "sneezing", "drinking_sipping", "glass_breaking", "fireworks"),
}

ESC50_LABEL_TO_SCENE: dict[str, str] = {label: scene for scene, labels in _SCENE_LABELS.items() for label in labels}
# The scene head's outputs, one per scene: "ambience:rain" counts towards rain. Prefixed, since
# some ESC-50 labels ("rain", "wind") are words that scenes use too.
AMBIENCE_PREFIX = "ambience:"


def ambience_label(scene: str) -> str:
    return AMBIENCE_PREFIX + scene


def default_label_to_scene(labels: list[str]) -> dict[str, str]:
    """ESC-50 labels map to their scene, scene-head labels to their scene; any other label set maps to itself."""
    known = {**ESC50_LABEL_TO_SCENE, **{ambience_label(scene): scene for scene in SCENES}}
    if set(labels) <= set(known):
        return {label: known[label] for label in labels}
    return {label: label for label in labels}


def scene_probabilities(label_probs: dict[str, float], label_to_scene: dict[str, str]) -> dict[str, float]:
    """Sum each scene's labels' probabilities; scenes keep the mapping's order."""
    scenes: dict[str, float] = {}
    for label, scene in label_to_scene.items():
        scenes[scene] = scenes.get(scene, 0.0) + float(label_probs.get(label, 0.0))
    return scenes
